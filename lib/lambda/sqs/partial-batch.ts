import type { SQSBatchItemFailure, SQSRecord } from 'aws-lambda';
import { isFifoRecord } from '../../mapping/sqs.ts';

/**
 * The records to hand back to SQS. On a FIFO queue, once a record of a message group failed,
 * every later record of that group is handed back too, so the group is retried in order
 * (Powertools' SqsFifoPartialProcessor with skipGroupOnError behaves the same).
 */
export function batchItemFailures(
  records: readonly SQSRecord[],
  failed: ReadonlySet<number>,
): SQSBatchItemFailure[] {
  const failedGroups = new Set<string>();
  const failures: SQSBatchItemFailure[] = [];
  records.forEach((record, index) => {
    const group = isFifoRecord(record) ? record.attributes.MessageGroupId : undefined;
    const groupBroken = group !== undefined && failedGroups.has(group);
    if (failed.has(index) || groupBroken) {
      failures.push({ itemIdentifier: record.messageId });
      if (group !== undefined) failedGroups.add(group);
    }
  });
  return failures;
}
