import { createHash } from 'node:crypto';
import { Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BridgeAlarms } from './constructs/bridge-alarms.ts';
import type { KafkaClientSettings } from './constructs/bridge-function.ts';
import { BridgeNetwork } from './constructs/bridge-network.ts';
import type { ClaimCheckProps } from './constructs/claim-check-bucket.ts';
import { ExternalKafka, type ExternalKafkaAuth } from './constructs/external-kafka.ts';
import { BrokerMode, type KafkaBroker } from './constructs/kafka-broker.ts';
import { type MskAuthMethod, MskProvisionedBroker } from './constructs/msk-provisioned.ts';
import { MskServerlessBroker } from './constructs/msk-serverless.ts';
import { type ValueSchemaProps, valueSchemaOf } from './constructs/value-schema.ts';
import { EventBridgeToKafka } from './triggers/eventbridge-to-kafka.ts';
import { ScheduleToKafka } from './triggers/schedule-to-kafka.ts';
import { SqsToKafka } from './triggers/sqs-to-kafka.ts';
import type { TriggerToKafkaProps } from './triggers/trigger-props.ts';
import {
  type WebhookIdempotencyProps,
  type WebhookSignature,
  WebhookToKafka,
} from './triggers/webhook-to-kafka.ts';

/** An MSK provisioned cluster created by the construct. */
export interface MskProvisionedAccessProps {
  readonly mode: typeof BrokerMode.MskProvisioned;
  /** @default ['iam'] (the functions use the first) */
  readonly authentication?: readonly MskAuthMethod[];
  /** @default '3.9.x' */
  readonly kafkaVersion?: string;
  /** @default 'kafka.m7g.large' */
  readonly instanceType?: string;
  /** @default 1 */
  readonly brokersPerAz?: number;
  /** @default 100 */
  readonly volumeSizeGiB?: number;
}

/** An MSK Serverless cluster created by the construct (IAM only). */
export interface MskServerlessAccessProps {
  readonly mode: typeof BrokerMode.MskServerless;
}

/** An existing VPC for an external cluster, by attributes (no lookups: synth stays offline). */
export interface ExternalVpcProps {
  readonly vpcId: string;
  /** Private subnets with a route to the brokers, one per availability zone. */
  readonly subnetIds: readonly string[];
  /** The subnets' availability zones, in the same order. */
  readonly availabilityZones: readonly string[];
  /** Where the brokers are; egress is opened there on the bootstrap ports only. */
  readonly brokerCidrs: readonly string[];
  /**
   * Reach AWS APIs through VPC endpoints: a Secrets Manager endpoint is created, S3 is reached
   * through the VPC's own gateway endpoint. `false`: the VPC has NAT, functions may open HTTPS to
   * any address, no endpoint is created (one already in the VPC would clash with a second).
   * @default true
   */
  readonly endpoints?: boolean;
}

/** Any Kafka the construct does not create. */
export interface ExternalAccessProps {
  readonly mode: typeof BrokerMode.External;
  readonly bootstrapServers: string;
  /** @default 'scram-sha-512' with a secret, else 'none' */
  readonly auth?: ExternalKafkaAuth;
  /** @default none */
  readonly secretArn?: string;
  /** @default the AWS-managed key */
  readonly secretKeyArn?: string;
  /** @default true unless auth is 'none' */
  readonly tls?: boolean;
  /** @default functions outside any VPC */
  readonly vpc?: ExternalVpcProps;
}

/** How the functions reach Kafka. */
export type BrokerAccessProps = MskProvisionedAccessProps | MskServerlessAccessProps | ExternalAccessProps;

/** Which triggers to deploy; each left out deploys nothing of its path. */
export interface BridgeTriggers {
  /** @default true */
  readonly webhook?: boolean;
  /** @default true */
  readonly sqs?: boolean;
  /** @default true */
  readonly eventBridge?: boolean;
  /** @default true */
  readonly schedule?: boolean;
}

/**
 * Props of KafkaLambdaBridge. The ValueSchemaProps (`valueFormat`, `schemaRegistry`, ...) apply to
 * every function: values are validated and encoded against the registry's schema of their topic.
 */
export interface KafkaLambdaBridgeProps extends ValueSchemaProps {
  /**
   * Start of the names of the resources that need one (the cluster `<prefix>-bridge`, the bus
   * `<prefix>-kafka`, the schedule `<prefix>-publish`), so two bridges in one stack do not clash.
   * @default the stack's name, followed by the construct's id unless that is 'Default'
   */
  readonly namePrefix?: string;
  /**
   * How the functions reach Kafka.
   * @default { mode: 'msk-serverless' }
   */
  readonly broker?: BrokerAccessProps;
  /** @default every trigger */
  readonly triggers?: BridgeTriggers;
  /**
   * `KAFKA_TOPIC`: the topic of SQS records, scheduled messages, and events no route maps.
   * @default 'events'
   */
  readonly topic?: string;
  /**
   * `WEBHOOK_TOPICS`: the topics `POST /webhooks/{topic}` may write to.
   * @default ['webhooks']
   */
  readonly webhookTopics?: readonly string[];
  /**
   * `WEBHOOK_SIGNATURE`.
   * @default 'hmac-sha256', with a generated key unless webhookSecretArn is given
   */
  readonly webhookSignature?: WebhookSignature;
  /** @default a generated secret for hmac-sha256; required for the other schemes */
  readonly webhookSecretArn?: string;
  /** `WEBHOOK_KEY`. @default the scheme's delivery id */
  readonly webhookKey?: string;
  /**
   * Deduplicate retried webhook deliveries in a DynamoDB table the construct creates
   * (`WEBHOOK_IDEMPOTENCY_TABLE`); `true` for a 3-day window.
   * @default false
   */
  readonly webhookIdempotency?: boolean | WebhookIdempotencyProps;
  /** A FIFO bridge queue. @default false */
  readonly sqsFifo?: boolean;
  /** `SQS_KEY`. @default MessageGroupId on FIFO, none otherwise */
  readonly sqsKey?: string;
  /** `SQS_UNWRAP_SNS`. @default false */
  readonly sqsUnwrapSns?: boolean;
  /** The SQS Extended Client's payload bucket, which the SQS function may read. @default none */
  readonly sqsExtendedPayloadBucket?: string;
  /** `EVENTBRIDGE_TOPICS`: `{"<source>/<detail-type>": "<topic>"}`. @default every event to `topic` */
  readonly eventBridgeTopics?: Readonly<Record<string, string>>;
  /** `EVENTBRIDGE_KEY`. @default 'json:/id' */
  readonly eventBridgeKey?: string;
  /** @default one pattern: every event this account puts on the construct's bus */
  readonly eventPatterns?: readonly events.EventPattern[];
  /** @default 'rate(5 minutes)' */
  readonly scheduleExpression?: string;
  /**
   * `SCHEDULE_SOURCE`: `input` or `s3://bucket/prefix` (an existing bucket).
   * @default 'input'
   */
  readonly scheduleSource?: string;
  /** The schedule's input; its messages' topics are granted too. @default a heartbeat message */
  readonly scheduleInput?: Readonly<Record<string, unknown>>;
  /**
   * Idempotent producers (MSK IAM: WriteDataIdempotently): within a Writer's life a retry never
   * duplicates. Needs acks all.
   * @default true when `kafka.acks` is 'all' (the default), else false
   */
  readonly idempotent?: boolean;
  /** Functions create missing topics (MSK IAM: CreateTopic). @default false */
  readonly allowAutoTopicCreation?: boolean;
  /** @default acks all, no compression */
  readonly kafka?: KafkaClientSettings;
  /** Retention of every log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Every function stores values over a size in this existing bucket and writes their `s3://`
   * reference instead (`KAFKA_CLAIM_CHECK_*`, bakdata's large-message format); the webhook then
   * accepts bodies up to Lambda's 6 MB. Give the bucket a lifecycle rule.
   * @default off
   */
  readonly claimCheck?: ClaimCheckProps;
  /** Alarm notifications. @default none */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * kafka-lambda-bridge as one construct for your own stack: broker access (MSK provisioned, MSK
 * Serverless or any external Kafka), the functions of the chosen triggers — HTTP API webhooks, an
 * SQS queue, an EventBridge bus, a Scheduler schedule — with dead-letter queues and alarms. It
 * only composes the per-trigger constructs (WebhookToKafka, SqsToKafka, EventBridgeToKafka,
 * ScheduleToKafka), which can also be used alone with a broker construct.
 *
 * @example
 * new KafkaLambdaBridge(this, 'Bridge', {
 *   broker: { mode: 'external', bootstrapServers: 'b1.example.com:9096', secretArn },
 *   triggers: { webhook: true, sqs: true, eventBridge: false, schedule: false },
 * });
 */
export class KafkaLambdaBridge extends Construct {
  /** How the functions reach Kafka. */
  readonly broker: KafkaBroker;
  /** Each deployed trigger; undefined when left out. */
  readonly webhook: WebhookToKafka | undefined;
  readonly sqs: SqsToKafka | undefined;
  readonly eventBridge: EventBridgeToKafka | undefined;
  readonly schedule: ScheduleToKafka | undefined;
  readonly alarms: BridgeAlarms;
  /** The names given to the cluster (MSK modes), the bus and the schedule. */
  readonly names: { readonly cluster: string; readonly eventBus: string; readonly schedule: string };

  constructor(scope: Construct, id: string, props: KafkaLambdaBridgeProps = {}) {
    super(scope, id);
    const access = props.broker ?? { mode: BrokerMode.MskServerless };
    // Each left unset (or undefined) is on.
    const triggers = {
      webhook: props.triggers?.webhook ?? true,
      sqs: props.triggers?.sqs ?? true,
      eventBridge: props.triggers?.eventBridge ?? true,
      schedule: props.triggers?.schedule ?? true,
    };
    if (!Object.values(triggers).some(Boolean)) {
      throw new Error(
        `KafkaLambdaBridge ${id}: triggers leaves every trigger out; nothing would be deployed`,
      );
    }
    const topic = props.topic ?? 'events';
    const signature = props.webhookSignature ?? 'hmac-sha256';
    const prefix =
      props.namePrefix ?? (id === 'Default' ? Stack.of(this).stackName : `${Stack.of(this).stackName}-${id}`);
    this.names = {
      cluster: physicalName(prefix, 'bridge', 64),
      eventBus: physicalName(prefix, 'kafka', 256),
      schedule: physicalName(prefix, 'publish', 64),
    };
    const schema = valueSchemaOf(props);
    const registry = (schema?.valueFormat ?? 'raw') === 'raw' ? undefined : schema?.schemaRegistry;
    if (registry && 'url' in registry && access.mode !== BrokerMode.External) {
      throw new Error(
        `KafkaLambdaBridge ${id}: schemaRegistry.url cannot be reached from the VPC an MSK mode creates (isolated subnets, no route out); use { glueRegistryName }, or an external broker in a VPC of yours with a route to the registry`,
      );
    }
    const network = this.createNetwork(access, {
      secretsManager:
        (triggers.webhook && signature !== 'none') ||
        usesSecret(access) ||
        (registry !== undefined && 'url' in registry && registry.secret !== undefined),
      glue: registry !== undefined && 'glueRegistryName' in registry,
      s3:
        (triggers.schedule && props.scheduleSource !== undefined && props.scheduleSource !== 'input') ||
        (triggers.sqs && props.sqsExtendedPayloadBucket !== undefined) ||
        props.claimCheck !== undefined,
    });
    this.broker = this.createBroker(access, network);

    const common: TriggerToKafkaProps = {
      broker: this.broker,
      kafka: props.kafka,
      idempotent: props.idempotent,
      allowAutoTopicCreation: props.allowAutoTopicCreation,
      logRetention: props.logRetention,
      claimCheck: props.claimCheck,
      ...schema,
    };
    this.webhook = triggers.webhook
      ? new WebhookToKafka(this, 'Webhook', {
          ...common,
          topics: props.webhookTopics,
          signature,
          secretArn: props.webhookSecretArn,
          key: props.webhookKey,
          idempotency: props.webhookIdempotency,
        })
      : undefined;
    this.sqs = triggers.sqs
      ? new SqsToKafka(this, 'Sqs', {
          ...common,
          topic,
          fifo: props.sqsFifo,
          key: props.sqsKey,
          unwrapSns: props.sqsUnwrapSns,
          extendedPayloadBucket: props.sqsExtendedPayloadBucket,
        })
      : undefined;
    this.eventBridge = triggers.eventBridge
      ? new EventBridgeToKafka(this, 'EventBridge', {
          ...common,
          topic,
          topics: props.eventBridgeTopics,
          key: props.eventBridgeKey,
          eventPatterns: props.eventPatterns,
          eventBusName: this.names.eventBus,
        })
      : undefined;
    this.schedule = triggers.schedule
      ? new ScheduleToKafka(this, 'Scheduled', {
          ...common,
          topic,
          scheduleExpression: props.scheduleExpression,
          scheduleName: this.names.schedule,
          source: props.scheduleSource,
          input: props.scheduleInput,
        })
      : undefined;

    const functions: Record<string, lambda.IFunction> = {};
    const deadLetterQueues: Record<string, sqs.IQueue> = {};
    if (this.webhook) functions.webhook = this.webhook.function.function;
    if (this.sqs) {
      functions.sqs = this.sqs.function.function;
      deadLetterQueues.sqs = this.sqs.bridge.deadLetterQueue;
    }
    if (this.eventBridge) {
      functions.eventbridge = this.eventBridge.function.function;
      deadLetterQueues.eventbridge = this.eventBridge.target.deadLetterQueue;
    }
    if (this.schedule) {
      functions.scheduled = this.schedule.function.function;
      deadLetterQueues.scheduled = this.schedule.publisher.deadLetterQueue;
    }
    this.alarms = new BridgeAlarms(this, 'Alarms', {
      functions,
      deadLetterQueues,
      alarmTopic: props.alarmTopic,
    });
  }

  private createNetwork(
    access: BrokerAccessProps,
    needs: { secretsManager: boolean; s3: boolean; glue: boolean },
  ): BridgeNetwork | undefined {
    if (access.mode !== BrokerMode.External) {
      return new BridgeNetwork(this, 'Network', {
        secretsManagerEndpoint: needs.secretsManager,
        s3Access: needs.s3,
        glueEndpoint: needs.glue,
      });
    }
    if (!access.vpc) return undefined;
    const { vpcId, subnetIds, availabilityZones } = access.vpc;
    if (subnetIds.length === 0 || subnetIds.length !== availabilityZones.length) {
      throw new Error(
        `KafkaLambdaBridge: external vpc needs one availability zone per subnet (${subnetIds.length} subnets, ${availabilityZones.length} zones)`,
      );
    }
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId,
      availabilityZones: [...availabilityZones],
      privateSubnetIds: [...subnetIds],
    });
    Validations.of(vpc).acknowledge({
      id: '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      reason: 'the bridge adds no routes to an existing VPC, so its route table ids are not needed',
    });
    return new BridgeNetwork(this, 'Network', {
      vpc,
      subnets: { subnets: vpc.privateSubnets },
      secretsManagerEndpoint: needs.secretsManager && (access.vpc.endpoints ?? true),
      glueEndpoint: needs.glue && (access.vpc.endpoints ?? true),
      httpsEgress: !(access.vpc.endpoints ?? true),
      s3Access: needs.s3,
    });
  }

  private createBroker(access: BrokerAccessProps, network: BridgeNetwork | undefined): KafkaBroker {
    switch (access.mode) {
      case BrokerMode.MskProvisioned:
        return new MskProvisionedBroker(this, 'Msk', {
          network: network as BridgeNetwork,
          clusterName: this.names.cluster,
          authentication: access.authentication,
          kafkaVersion: access.kafkaVersion,
          instanceType: access.instanceType,
          brokersPerAz: access.brokersPerAz,
          volumeSizeGiB: access.volumeSizeGiB,
        });
      case BrokerMode.MskServerless:
        return new MskServerlessBroker(this, 'MskServerless', {
          network: network as BridgeNetwork,
          clusterName: this.names.cluster,
        });
      case BrokerMode.External:
        return new ExternalKafka(this, 'ExternalKafka', {
          bootstrapServers: access.bootstrapServers,
          auth: access.auth,
          secretArn: access.secretArn,
          secretKeyArn: access.secretKeyArn,
          tls: access.tls,
          network,
          brokerCidrs: access.vpc?.brokerCidrs,
        });
      default:
        throw new Error(`KafkaLambdaBridge: unknown broker mode "${(access as { mode: string }).mode}"`);
    }
  }
}

function usesSecret(access: BrokerAccessProps): boolean {
  if (access.mode === BrokerMode.MskProvisioned) return (access.authentication ?? ['iam'])[0] === 'scram';
  if (access.mode === BrokerMode.External) return access.secretArn !== undefined;
  return false;
}

/**
 * `<prefix>-<suffix>` within `max` characters: a prefix too long is cut and given 8 characters of
 * its hash, so two long prefixes that share a start still get different names.
 */
function physicalName(prefix: string, suffix: string, max: number): string {
  const name = `${prefix}-${suffix}`;
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(prefix).digest('hex').slice(0, 8);
  return `${prefix.slice(0, max - suffix.length - hash.length - 2)}-${hash}-${suffix}`;
}
