import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BridgeFunction } from '../constructs/bridge-function.ts';
import { ScheduledPublisher, type ScheduleS3Source } from '../constructs/scheduled-publisher.ts';
import { FUNCTION_ENTRIES } from '../paths.ts';
import {
  FUNCTION_MEMORY_MB,
  FUNCTION_TIMEOUT_SECONDS,
  functionSettings,
  produceGrant,
  SCHEDULED_S3_MEMORY_MB,
  type TriggerToKafkaProps,
} from './trigger-props.ts';

/** Props of ScheduleToKafka. */
export interface ScheduleToKafkaProps extends TriggerToKafkaProps {
  /** `KAFKA_TOPIC`: the topic of messages that name none. */
  readonly topic: string;
  /** @default 'rate(5 minutes)' */
  readonly scheduleExpression?: string;
  /** The Scheduler schedule's name (1-64 characters). @default `<stack name>-publish` */
  readonly scheduleName?: string;
  /**
   * `SCHEDULE_SOURCE`: `input` or `s3://bucket/prefix` (an existing bucket).
   * @default 'input'
   */
  readonly source?: string;
  /** The schedule's input; its messages' topics are granted too. @default a heartbeat message */
  readonly input?: Readonly<Record<string, unknown>>;
}

/**
 * Scheduled batch publishing: an EventBridge Scheduler schedule running the scheduled function,
 * which publishes the schedule's input or NDJSON objects under an S3 prefix.
 */
export class ScheduleToKafka extends Construct {
  readonly function: BridgeFunction;
  /** The schedule, its role and dead-letter queue. */
  readonly publisher: ScheduledPublisher;

  constructor(scope: Construct, id: string, props: ScheduleToKafkaProps) {
    super(scope, id);
    const s3Source = props.source ? parseScheduleSource(this, props.source) : undefined;
    this.function = new BridgeFunction(this, 'Function', {
      ...functionSettings(props, s3Source ? SCHEDULED_S3_MEMORY_MB : FUNCTION_MEMORY_MB.scheduled),
      entry: FUNCTION_ENTRIES.scheduled,
      description: 'kafka-lambda-bridge: scheduled batch publishing -> Kafka',
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.scheduled),
      produce: produceGrant(props, [props.topic, ...inputTopics(props.input)]),
      environment: { KAFKA_TOPIC: props.topic },
    });
    this.publisher = new ScheduledPublisher(this, 'Publisher', {
      function: this.function.function,
      source: s3Source,
      scheduleExpression: props.scheduleExpression,
      scheduleName: props.scheduleName,
      input: props.input,
    });
  }
}

/** `input` means no S3 source; `s3://bucket/prefix` names an existing bucket. */
export function parseScheduleSource(scope: Construct, text: string): ScheduleS3Source | undefined {
  if (text === 'input') return undefined;
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
  if (!match?.[1]) throw new Error(`scheduleSource must be input or s3://<bucket>/<prefix>, got "${text}"`);
  return {
    bucket: s3.Bucket.fromBucketName(scope, 'SourceBucket', match[1]),
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
