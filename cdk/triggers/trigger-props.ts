import type * as logs from 'aws-cdk-lib/aws-logs';
import type { KafkaClientSettings } from '../constructs/bridge-function.ts';
import type { ClaimCheckProps } from '../constructs/claim-check-bucket.ts';
import type { KafkaBroker, ProduceGrant } from '../constructs/kafka-broker.ts';

/**
 * Each function's timeout in seconds. The webhook answers within API Gateway's 30 s; the scheduled
 * function needs long enough for a large NDJSON object per run (a run stops early and resumes).
 * `npm start` gives its emulators the same ones.
 */
export const FUNCTION_TIMEOUT_SECONDS = { webhook: 10, sqs: 60, eventbridge: 30, scheduled: 300 } as const;

/** What every trigger construct needs: the cluster and how its function writes to it. */
export interface TriggerToKafkaProps {
  /** The Kafka cluster: ExternalKafka, MskProvisionedBroker or MskServerlessBroker. */
  readonly broker: KafkaBroker;
  /** @default acks all, no compression, the library's balancer */
  readonly kafka?: KafkaClientSettings;
  /**
   * Idempotent producers (MSK IAM: WriteDataIdempotently): within a Writer's life a retry never
   * duplicates. Needs acks all.
   * @default true when `kafka.acks` is 'all' (the default), else false
   */
  readonly idempotent?: boolean;
  /** The function creates missing topics (MSK IAM: CreateTopic). @default false */
  readonly allowAutoTopicCreation?: boolean;
  /** Retention of the function's log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Memory of the function in MB. @default 512 */
  readonly memorySize?: number;
  /**
   * Offload values over a size to an existing S3 bucket (`KAFKA_CLAIM_CHECK_*`); the function may
   * put objects under the prefix. In a VPC the broker's network needs S3 access (KafkaLambdaBridge
   * adds the gateway endpoint).
   * @default off
   */
  readonly claimCheck?: ClaimCheckProps;
}

/** The produce grant of a trigger's function: its topics, with the shared producer settings. */
export function produceGrant(props: TriggerToKafkaProps, topics: readonly string[]): ProduceGrant {
  return {
    topics: [...new Set(topics)],
    idempotent: props.idempotent ?? (props.kafka?.acks ?? 'all') === 'all',
    allowAutoTopicCreation: props.allowAutoTopicCreation ?? false,
  };
}

/** The BridgeFunction props every trigger passes on unchanged. */
export function functionSettings(props: TriggerToKafkaProps) {
  return {
    broker: props.broker,
    kafka: props.kafka,
    logRetention: props.logRetention,
    memorySize: props.memorySize,
    claimCheck: props.claimCheck,
  };
}
