import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { BridgeAlarms } from '../constructs/bridge-alarms.ts';
import { BridgeFunction, type KafkaClientSettings } from '../constructs/bridge-function.ts';
import { BridgeNetwork } from '../constructs/bridge-network.ts';
import { EventBridgeTarget } from '../constructs/eventbridge-target.ts';
import { ExternalKafka, type ExternalKafkaAuth } from '../constructs/external-kafka.ts';
import { BrokerMode, type KafkaBroker, type ProduceGrant } from '../constructs/kafka-broker.ts';
import { type MskAuthMethod, MskProvisionedBroker } from '../constructs/msk-provisioned.ts';
import { MskServerlessBroker } from '../constructs/msk-serverless.ts';
import { ScheduledPublisher, type ScheduleS3Source } from '../constructs/scheduled-publisher.ts';
import { SqsBridge } from '../constructs/sqs-bridge.ts';
import { WebhookApi } from '../constructs/webhook-api.ts';
import { WebhookSigningSecret } from '../constructs/webhook-secret.ts';
import { FUNCTION_ENTRIES } from '../paths.ts';

/** An MSK provisioned cluster created by the stack. */
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

/** An MSK Serverless cluster created by the stack (IAM only). */
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

/** Any Kafka the stack does not create. */
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

/** `WEBHOOK_SIGNATURE` schemes. */
export type WebhookSignature = 'none' | 'standard-webhooks' | 'github' | 'stripe' | 'hmac-sha256';

/** Props of the BridgeStack. */
export interface BridgeStackProps extends StackProps {
  /**
   * How the functions reach Kafka.
   * @default { mode: 'msk-serverless' }
   */
  readonly broker?: BrokerAccessProps;
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
  /** A FIFO bridge queue. @default false */
  readonly sqsFifo?: boolean;
  /** `SQS_KEY`. @default MessageGroupId on FIFO, none otherwise */
  readonly sqsKey?: string;
  /** `SQS_UNWRAP_SNS`. @default false */
  readonly sqsUnwrapSns?: boolean;
  /** `EVENTBRIDGE_TOPICS`: `{"<source>/<detail-type>": "<topic>"}`. @default every event to `topic` */
  readonly eventBridgeTopics?: Readonly<Record<string, string>>;
  /** `EVENTBRIDGE_KEY`. @default 'json:/id' */
  readonly eventBridgeKey?: string;
  /** @default one pattern: every event this account puts on the stack's bus */
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
  /** Alarm notifications. @default none */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * kafka-lambda-bridge: broker access (MSK provisioned, MSK Serverless or external Kafka), the four
 * functions, and their triggers — HTTP API webhooks, an SQS queue, an EventBridge bus and a
 * Scheduler schedule — with dead-letter queues and alarms. It only composes the constructs.
 */
export class BridgeStack extends Stack {
  /** How the functions reach Kafka. */
  readonly broker: KafkaBroker;
  /** The functions by trigger. */
  readonly functions: {
    readonly webhook: BridgeFunction;
    readonly sqs: BridgeFunction;
    readonly eventbridge: BridgeFunction;
    readonly scheduled: BridgeFunction;
  };
  readonly webhookApi: WebhookApi;
  readonly sqsBridge: SqsBridge;
  readonly eventBridgeTarget: EventBridgeTarget;
  readonly scheduledPublisher: ScheduledPublisher;
  readonly alarms: BridgeAlarms;

  constructor(scope: Construct, id: string, props: BridgeStackProps = {}) {
    super(scope, id, props);
    const access = props.broker ?? { mode: BrokerMode.MskServerless };
    const topic = props.topic ?? 'events';
    const webhookTopics = props.webhookTopics ?? ['webhooks'];
    const signature = props.webhookSignature ?? 'hmac-sha256';
    if (signature === 'none' && props.webhookSecretArn) {
      throw new Error('BridgeStack: webhookSecretArn is set but webhookSignature is none; choose the scheme');
    }
    if (signature !== 'none' && signature !== 'hmac-sha256' && !props.webhookSecretArn) {
      throw new Error(
        `BridgeStack: webhookSignature ${signature} needs webhookSecretArn (the sender issues that key)`,
      );
    }
    if (webhookTopics.length === 0) {
      throw new Error('BridgeStack: webhookTopics is empty; every webhook would be a 404');
    }
    const s3Source = props.scheduleSource ? parseScheduleSource(this, props.scheduleSource) : undefined;

    const webhookSecret =
      signature === 'none'
        ? undefined
        : new WebhookSigningSecret(this, 'WebhookSecret', { secretArn: props.webhookSecretArn });
    const network = this.createNetwork(access, {
      secretsManager: webhookSecret !== undefined || usesSecret(access),
      s3: s3Source !== undefined,
    });
    this.broker = this.createBroker(access, network);

    const produce = (topics: readonly string[]): ProduceGrant => ({
      topics: [...new Set(topics)],
      idempotent: props.idempotent ?? (props.kafka?.acks ?? 'all') === 'all',
      allowAutoTopicCreation: props.allowAutoTopicCreation ?? false,
    });
    const common = { broker: this.broker, logRetention: props.logRetention, kafka: props.kafka };

    const webhook = new BridgeFunction(this, 'WebhookFunction', {
      ...common,
      entry: FUNCTION_ENTRIES.webhook,
      description: 'kafka-lambda-bridge: POST /webhooks/{topic} -> Kafka',
      timeout: Duration.seconds(10),
      produce: produce(webhookTopics),
      environment: {
        WEBHOOK_TOPICS: webhookTopics.join(','),
        WEBHOOK_SIGNATURE: signature,
        ...(webhookSecret ? { WEBHOOK_SECRET_ARN: webhookSecret.secret.secretArn } : {}),
        ...(props.webhookKey ? { WEBHOOK_KEY: props.webhookKey } : {}),
      },
      ...(webhookSecret ? { secrets: [{ secret: webhookSecret.secret, key: webhookSecret.key }] } : {}),
    });
    const sqsFunction = new BridgeFunction(this, 'SqsFunction', {
      ...common,
      entry: FUNCTION_ENTRIES.sqs,
      description: 'kafka-lambda-bridge: SQS -> Kafka',
      timeout: Duration.seconds(60),
      produce: produce([topic]),
      environment: {
        KAFKA_TOPIC: topic,
        SQS_UNWRAP_SNS: String(props.sqsUnwrapSns ?? false),
        ...(props.sqsKey ? { SQS_KEY: props.sqsKey } : {}),
      },
    });
    const eventBridgeFunction = new BridgeFunction(this, 'EventBridgeFunction', {
      ...common,
      entry: FUNCTION_ENTRIES.eventbridge,
      description: 'kafka-lambda-bridge: EventBridge -> Kafka',
      timeout: Duration.seconds(30),
      produce: produce([topic, ...Object.values(props.eventBridgeTopics ?? {})]),
      environment: {
        KAFKA_TOPIC: topic,
        ...(props.eventBridgeTopics ? { EVENTBRIDGE_TOPICS: JSON.stringify(props.eventBridgeTopics) } : {}),
        ...(props.eventBridgeKey ? { EVENTBRIDGE_KEY: props.eventBridgeKey } : {}),
      },
    });
    const scheduledFunction = new BridgeFunction(this, 'ScheduledFunction', {
      ...common,
      entry: FUNCTION_ENTRIES.scheduled,
      description: 'kafka-lambda-bridge: scheduled batch publishing -> Kafka',
      // Long enough for a large NDJSON object per run; a run stops early and resumes next time.
      timeout: Duration.minutes(5),
      produce: produce([topic, ...inputTopics(props.scheduleInput)]),
      environment: { KAFKA_TOPIC: topic },
    });
    this.functions = {
      webhook,
      sqs: sqsFunction,
      eventbridge: eventBridgeFunction,
      scheduled: scheduledFunction,
    };

    this.webhookApi = new WebhookApi(this, 'WebhookApi', {
      function: webhook.function,
      signatureVerified: signature !== 'none',
    });
    this.sqsBridge = new SqsBridge(this, 'SqsBridge', {
      function: sqsFunction.function,
      fifo: props.sqsFifo,
    });
    this.eventBridgeTarget = new EventBridgeTarget(this, 'EventBridgeTarget', {
      function: eventBridgeFunction.function,
      eventPatterns: props.eventPatterns,
    });
    this.scheduledPublisher = new ScheduledPublisher(this, 'ScheduledPublisher', {
      function: scheduledFunction.function,
      source: s3Source,
      scheduleExpression: props.scheduleExpression,
      input: props.scheduleInput,
    });
    this.alarms = new BridgeAlarms(this, 'Alarms', {
      functions: {
        webhook: webhook.function,
        sqs: sqsFunction.function,
        eventbridge: eventBridgeFunction.function,
        scheduled: scheduledFunction.function,
      },
      deadLetterQueues: {
        sqs: this.sqsBridge.deadLetterQueue,
        eventbridge: this.eventBridgeTarget.deadLetterQueue,
        scheduled: this.scheduledPublisher.deadLetterQueue,
      },
      alarmTopic: props.alarmTopic,
    });

    new CfnOutput(this, 'BrokerMode', { value: access.mode, description: 'How the functions reach Kafka' });
    new CfnOutput(this, 'WebhookUrl', {
      value: this.webhookApi.webhookUrl,
      description: 'POST <url><topic> with a signed body',
    });
    new CfnOutput(this, 'QueueUrl', {
      value: this.sqsBridge.queue.queueUrl,
      description: 'Send messages here',
    });
    new CfnOutput(this, 'EventBusName', {
      value: this.eventBridgeTarget.eventBus.eventBusName,
      description: 'Put events on this bus',
    });
    new CfnOutput(this, 'ScheduleName', { value: this.scheduledPublisher.scheduleName });
    if (webhookSecret?.generated) {
      new CfnOutput(this, 'WebhookSecretArn', {
        value: webhookSecret.secret.secretArn,
        description: 'The generated signing key; give it to the webhook senders',
      });
    }
    if (this.broker instanceof MskProvisionedBroker || this.broker instanceof MskServerlessBroker) {
      new CfnOutput(this, 'ClusterArn', { value: this.broker.cluster.attrArn });
    }
    if (this.broker.secret && access.mode !== BrokerMode.External) {
      new CfnOutput(this, 'ScramSecretArn', { value: this.broker.secret.secretArn });
    }
  }

  private createNetwork(
    access: BrokerAccessProps,
    needs: { secretsManager: boolean; s3: boolean },
  ): BridgeNetwork | undefined {
    if (access.mode !== BrokerMode.External) {
      return new BridgeNetwork(this, 'Network', {
        secretsManagerEndpoint: needs.secretsManager,
        s3Access: needs.s3,
      });
    }
    if (!access.vpc) return undefined;
    const { vpcId, subnetIds, availabilityZones } = access.vpc;
    if (subnetIds.length === 0 || subnetIds.length !== availabilityZones.length) {
      throw new Error(
        `BridgeStack: external vpc needs one availability zone per subnet (${subnetIds.length} subnets, ${availabilityZones.length} zones)`,
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
      httpsEgress: !(access.vpc.endpoints ?? true),
      s3Access: needs.s3,
    });
  }

  private createBroker(access: BrokerAccessProps, network: BridgeNetwork | undefined): KafkaBroker {
    switch (access.mode) {
      case BrokerMode.MskProvisioned:
        return new MskProvisionedBroker(this, 'Msk', {
          network: network as BridgeNetwork,
          authentication: access.authentication,
          kafkaVersion: access.kafkaVersion,
          instanceType: access.instanceType,
          brokersPerAz: access.brokersPerAz,
          volumeSizeGiB: access.volumeSizeGiB,
        });
      case BrokerMode.MskServerless:
        return new MskServerlessBroker(this, 'MskServerless', { network: network as BridgeNetwork });
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
        throw new Error(`BridgeStack: unknown broker mode "${(access as { mode: string }).mode}"`);
    }
  }
}

function usesSecret(access: BrokerAccessProps): boolean {
  if (access.mode === BrokerMode.MskProvisioned) return (access.authentication ?? ['iam'])[0] === 'scram';
  if (access.mode === BrokerMode.External) return access.secretArn !== undefined;
  return false;
}

/** `input` means no S3 source; `s3://bucket/prefix` names an existing bucket. */
function parseScheduleSource(scope: Construct, text: string): ScheduleS3Source | undefined {
  if (text === 'input') return undefined;
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
  if (!match?.[1])
    throw new Error(`BridgeStack: scheduleSource must be input or s3://<bucket>/<prefix>, got "${text}"`);
  return {
    bucket: s3.Bucket.fromBucketName(scope, 'ScheduleSourceBucket', match[1]),
    prefix: match[2] ?? '',
  };
}

/** Topics that messages in the schedule's input name, so the grant covers them. */
function inputTopics(input: Readonly<Record<string, unknown>> | undefined): string[] {
  const messages = input?.messages;
  if (!Array.isArray(messages)) return [];
  return messages.flatMap((m: unknown) =>
    typeof m === 'object' && m !== null && typeof (m as { topic?: unknown }).topic === 'string'
      ? [(m as { topic: string }).topic]
      : [],
  );
}
