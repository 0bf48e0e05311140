import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { createLambdaContext } from '../../scripts/local/lambda-context.ts';

const STANDARD_ARN = 'arn:aws:sqs:us-east-1:123456789012:bridge-queue';
const FIFO_ARN = 'arn:aws:sqs:us-east-1:123456789012:bridge-queue.fifo';

/**
 * An SQS record in the shape Lambda delivers (AWS "Using Lambda with Amazon SQS" sample event),
 * with overrides. FIFO records carry MessageGroupId, MessageDeduplicationId and SequenceNumber.
 */
export function sqsRecord(
  body: string,
  options: {
    id?: string;
    fifo?: boolean;
    groupId?: string;
    attributes?: SQSRecord['messageAttributes'];
    sentTimestamp?: number;
  } = {},
): SQSRecord {
  const id = options.id ?? `msg-${Math.random().toString(36).slice(2, 10)}`;
  const sent = String(options.sentTimestamp ?? 1_700_000_000_000);
  return {
    messageId: id,
    receiptHandle: `AQEB${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: sent,
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: sent,
      ...(options.fifo
        ? {
            MessageGroupId: options.groupId ?? 'group-1',
            MessageDeduplicationId: id,
            SequenceNumber: '18849496460467696128',
          }
        : {}),
    },
    messageAttributes: options.attributes ?? {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: options.fifo ? FIFO_ARN : STANDARD_ARN,
    awsRegion: 'us-east-1',
  };
}

/** An SQS event of the given records. */
export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Lambda context with a real countdown (the one the local runtime uses). */
export function lambdaContext(timeoutMs = 30_000): Context {
  return createLambdaContext({ functionName: 'bridge-test', timeoutMs });
}
