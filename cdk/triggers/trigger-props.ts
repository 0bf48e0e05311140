import type * as logs from 'aws-cdk-lib/aws-logs';
import type { KafkaClientSettings } from '../constructs/bridge-function.ts';
import type { ClaimCheckProps } from '../constructs/claim-check-bucket.ts';
import type { KafkaBroker, ProduceGrant } from '../constructs/kafka-broker.ts';
import { type ValueSchemaProps, valueSchemaOf } from '../constructs/value-schema.ts';

/**
 * Each function's timeout in seconds. The webhook answers within API Gateway's 30 s; the scheduled
 * function needs long enough for a large NDJSON object per run (a run stops early and resumes).
 * `npm start` gives its emulators the same ones.
 */
export const FUNCTION_TIMEOUT_SECONDS = { webhook: 10, sqs: 60, eventbridge: 30, scheduled: 300 } as const;

/**
 * Each function's default memory in MB, from `npm run bench:memory` (peak RSS of the deployed
 * bundle over 20 warm invocations of its largest input, bench/README.md#memory, 2026-12-02): the
 * webhook peaks at 76 MiB at its default 1 MiB body limit (101 MiB at 6 MB); the SQS function at
 * 92 MiB for SqsToKafka's batch of 10 records filling Lambda's 6 MB payload (102 MiB for 10,000
 * records written in slices of 1,000, 106-110 over TLS + SCRAM from Secrets Manager, 2026-12-03);
 * EventBridge and a schedule's input at 74 and 76 MiB at Lambda's 1 MB asynchronous payload limit.
 * 128 MB leaves 18-54 MiB of headroom. `npm start` gives its
 * emulators the same memory.
 */
export const FUNCTION_MEMORY_MB = { webhook: 128, sqs: 128, eventbridge: 128, scheduled: 128 } as const;

/**
 * The scheduled function reading NDJSON from S3, sized from bench:memory (2026-12-03, commit
 * ab8fb87, 128 MB heap flags, 20 warm invocations, load 1.3-1.9): 114.6 MiB for its worst case at
 * the `SCHEDULE_*` defaults (batches of the longest lines, 1,000,000 B; a batch ends at 4 MiB of
 * lines) and 113.2 MiB for 64 MiB of 1 KiB lines. The rule: the smallest of 128, 192, 256, ... MB
 * (steps of 64) leaving at least 13 MiB above the peak: 128 MB, 13.4 MiB of headroom (192 MB
 * before the source streamed its reads: 173.2 MiB).
 */
export const SCHEDULED_S3_MEMORY_MB = 128;

/**
 * What every trigger construct needs: the cluster and how its function writes to it, with the
 * optional schema serialization of values (ValueSchemaProps: `valueFormat`, `schemaRegistry`, ...).
 */
export interface TriggerToKafkaProps extends ValueSchemaProps {
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
  /** Memory of the function in MB. @default FUNCTION_MEMORY_MB of the trigger (128; SCHEDULED_S3_MEMORY_MB, also 128, for a scheduled S3 source) */
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

/** The BridgeFunction props every trigger passes on; `defaultMemoryMb` unless memorySize is given. */
export function functionSettings(props: TriggerToKafkaProps, defaultMemoryMb: number) {
  return {
    broker: props.broker,
    kafka: props.kafka,
    logRetention: props.logRetention,
    memorySize: props.memorySize ?? defaultMemoryMb,
    claimCheck: props.claimCheck,
    valueSchema: valueSchemaOf(props),
  };
}
