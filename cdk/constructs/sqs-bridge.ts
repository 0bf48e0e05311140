import { Duration, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeDeadLetterQueue, acknowledgeSynchronousInvocation } from './acknowledgements.ts';

/** Props of an SqsBridge. */
export interface SqsBridgeProps {
  /** The SQS bridge function (functions/sqs); its timeout sets the queue's visibility. */
  readonly function: lambda.Function;
  /**
   * A FIFO queue (ordered per message group, keyed by MessageGroupId by default).
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * Records per invocation, one Writer call per batch.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long Lambda gathers records before invoking; required by SQS for batches above 10.
   * @default none
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Receives of a record before it moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long a received record stays hidden. AWS advises at least six times the function's
   * timeout, so a record whose batch is retried by Lambda is not received a second time meanwhile.
   * @default six times the function's timeout
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Most concurrent invocations the mapping starts (2-1000).
   * @default Lambda's default (scales with the queue)
   */
  readonly maxConcurrency?: number;
}

/**
 * The SQS path: a queue with a dead-letter queue, and an event source mapping that reports batch
 * item failures, so only the records Kafka did not acknowledge return to the queue and, after
 * `maxReceiveCount` receives, land in the DLQ.
 */
export class SqsBridge extends Construct {
  /** The queue producers send to. */
  readonly queue: sqs.Queue;
  /** Where records go after `maxReceiveCount` failed receives. */
  readonly deadLetterQueue: sqs.Queue;
  /** The mapping from the queue to the function. */
  readonly mapping: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: SqsBridgeProps) {
    super(scope, id);
    const functionTimeout = props.function.timeout ?? Duration.seconds(3);
    const minimumVisibility = Duration.seconds(functionTimeout.toSeconds() * 6);
    const visibilityTimeout = props.visibilityTimeout ?? minimumVisibility;
    if (visibilityTimeout.toSeconds() < minimumVisibility.toSeconds()) {
      throw new Error(
        `SqsBridge: visibilityTimeout ${visibilityTimeout.toSeconds()} s is below six times the function timeout (${minimumVisibility.toSeconds()} s)`,
      );
    }
    if (visibilityTimeout.toSeconds() > 43_200) {
      throw new Error(
        `SqsBridge: visibilityTimeout ${visibilityTimeout.toSeconds()} s exceeds SQS's 12 hours; shorten the function timeout`,
      );
    }
    const batchSize = props.batchSize ?? 10;
    const fifo = props.fifo ?? false;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > (fifo ? 10 : 10_000)) {
      throw new Error(
        `SqsBridge: batchSize must be 1-${fifo ? 10 : 10_000} for a ${fifo ? 'FIFO' : 'standard'} queue, got ${batchSize}`,
      );
    }
    if (batchSize > 10 && !props.maxBatchingWindow) {
      throw new Error('SqsBridge: a batchSize above 10 needs maxBatchingWindow (an SQS rule)');
    }
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(`SqsBridge: maxReceiveCount must be 1-1000, got ${maxReceiveCount}`);
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      fifo: fifo || undefined,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      fifo: fifo || undefined,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    this.mapping = new lambda.EventSourceMapping(this, 'Mapping', {
      target: props.function,
      eventSourceArn: this.queue.queueArn,
      batchSize,
      reportBatchItemFailures: true,
      ...(props.maxBatchingWindow ? { maxBatchingWindow: props.maxBatchingWindow } : {}),
      ...(props.maxConcurrency ? { maxConcurrency: props.maxConcurrency } : {}),
    });
    this.queue.grantConsumeMessages(props.function);
    acknowledgeDeadLetterQueue(this.deadLetterQueue, 'SQS path', true);
    acknowledgeSynchronousInvocation(
      props.function,
      'invoked synchronously by the SQS event source mapping: failed records return to the queue, and its redrive policy moves them to the DLQ',
    );

    Validations.of(this.mapping).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'SQS event source mappings take no on-failure destination; failed records return to the queue and its redrive policy moves them to the DLQ after maxReceiveCount',
    });
  }
}
