import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { readSqsConfig, type SqsConfig } from '../../config/sqs-config.ts';
import { isFifoRecord, sqsRecordToMessage } from '../../mapping/sqs.ts';
import { pickTraceContext, withTraceContext } from '../../mapping/trace-context.ts';
import type { SchemaValidationError } from '../../schema/value-serializer.ts';
import { MessageTooLargeError, WriteErrors } from '../../writer/errors.ts';
import type { Message } from '../../writer/message.ts';
import { type HandlerOptions, setUpHandler } from '../handler-setup.ts';
import { invocationTrace } from '../invocation-trace.ts';
import { releaseMemoryAfterLargeInvocations } from '../memory-release.ts';
import { METRICS, MetricUnit } from '../observability.ts';
import { type FailureKinds, failureKinds } from '../schema-failures.ts';
import { resolveExtendedPayloads } from './extended-payloads.ts';
import { batchItemFailures } from './partial-batch.ts';

export interface SqsHandlerOptions extends HandlerOptions {
  /** Replaces the default record mapping (body -> value, attributes -> headers). */
  mapRecord?: (record: SQSEvent['Records'][number], config: SqsConfig) => Message;
  /**
   * Most records per Writer call (default 1,000). A larger batch is written in slices, one after
   * another, so the Writer never holds a whole 10,000-record batch as Kafka bytes at once: 5-8 MiB
   * less peak memory, which a 128 MB function needs (bench/README, "Memory").
   */
  writeSliceRecords?: number;
}

/** Records per Writer call unless `writeSliceRecords` says otherwise. */
export const SQS_WRITE_SLICE_RECORDS = 1000;

/**
 * The SQS -> Kafka bridge. The batch's records are written in Writer calls of `writeSliceRecords`
 * (1,000), one after another (a FIFO batch, at most 10 records, in one call); the answer is a
 * partial batch response, so SQS deletes only what Kafka acknowledged and hands the rest back (to
 * be retried and, after maxReceiveCount, dead-lettered). A slice of which nothing was written for a
 * reason not its records' own (Kafka or the schema registry unavailable, the time used up) ends
 * the writing: the later slices go back unwritten, as they would have failed the same way.
 * Config is read once, at cold start.
 *
 * @example
 * export const handler = createSqsHandler();
 */
export function createSqsHandler(options: SqsHandlerOptions = {}) {
  const {
    trigger: config,
    logger,
    metrics,
    warmWriter,
    writeOptions,
  } = setUpHandler(options, 'sqs-bridge', readSqsConfig);
  const mapRecord = options.mapRecord ?? sqsRecordToMessage;
  const sliceRecords = options.writeSliceRecords ?? SQS_WRITE_SLICE_RECORDS;
  if (!Number.isInteger(sliceRecords) || sliceRecords < 1) {
    throw new RangeError(`writeSliceRecords must be a whole number >= 1, got ${sliceRecords}`);
  }

  async function bridge(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const records = event.Records ?? [];
    const failed = new Set<number>();
    // FIFO: once a record of a message group failed, its later records are neither written nor
    // acknowledged, so the group comes back in order (Powertools' skipGroupOnError does the same).
    const brokenGroups = new Set<string>();
    const groupOf = (index: number) => fifoGroupOf(records[index] as SQSRecord);
    const fail = (index: number) => {
      failed.add(index);
      const group = groupOf(index);
      if (group !== undefined) brokenGroups.add(group);
    };
    const messages: Message[] = [];
    const indexOf: number[] = [];
    // The invocation's trace, for records that carry none of their own: read and converted once
    // per invocation, not per record (10,000 of them in a full batch).
    const invocation = pickTraceContext(invocationTrace());
    // Bodies the SQS Extended Client put in S3 are read first; one that cannot be read fails its record.
    const resolved = await resolveExtendedPayloads(
      records,
      undefined,
      AbortSignal.timeout(Math.max(1, warmWriter.budgetMs(context))),
    );
    resolved.forEach((record, index) => {
      const group = groupOf(index);
      if (group !== undefined && brokenGroups.has(group)) {
        failed.add(index);
        return;
      }
      if (record instanceof Error) {
        fail(index);
        logger.warn("the record's extended payload cannot be read from S3", {
          messageId: records[index]?.messageId,
          error: record.message,
        });
        return;
      }
      try {
        const message = { ...mapRecord(record, config), topic: config.topic };
        // The record's own X-Ray header (AWSTraceHeader) first, then the invocation's.
        const trace = pickTraceContext({ xray: record.attributes?.AWSTraceHeader }) ?? invocation;
        messages.push(withTraceContext(message, trace));
        indexOf.push(index);
      } catch (error) {
        fail(index);
        logger.warn('record cannot be mapped to a Kafka message', {
          messageId: record.messageId,
          error: String(error),
        });
      }
    });

    let schemaRejected = 0;
    /**
     * One log line per kind of failure: records the schema refused (the sender's mistake: they
     * go back alone, and after maxReceiveCount to the DLQ), a registry that could not answer,
     * and everything else (Kafka, S3).
     */
    const logWriteFailure = (
      error: unknown,
      calls: number,
      recordAt: (i: number) => SQSRecord | undefined,
    ): FailureKinds => {
      const kinds = failureKinds(error, calls);
      schemaRejected += kinds.invalid.length;
      const first = kinds.invalid[0];
      if (first !== undefined) {
        const invalid = (error as WriteErrors).errors[first] as SchemaValidationError;
        logger.warn('records do not match the schema; handed back alone, they end in the DLQ', {
          invalidRecords: kinds.invalid.length,
          firstMessageId: recordAt(first)?.messageId,
          field: invalid.field,
          error: invalid.message,
        });
      }
      if (kinds.registry.length > 0) {
        logger.error('the schema registry is unavailable; records handed back for a retry', {
          failedRecords: kinds.registry.length,
          firstMessageId: recordAt(kinds.registry[0] as number)?.messageId,
          error: errorText(error instanceof WriteErrors ? error.errors[kinds.registry[0] as number] : error),
        });
      }
      if (kinds.other.length > 0) {
        logger.error('writing to Kafka failed', {
          error: errorText(error),
          failedRecords: kinds.other.length,
          firstMessageId: recordAt(kinds.other[0] as number)?.messageId,
        });
      }
      return kinds;
    };

    const fifo = records.some(isFifoRecord);
    /**
     * Writes the messages at `first` .. `end` - 1 of `messages`; false when nothing of them was
     * written for a reason that is not the records' own (the next slice would fare the same).
     */
    const writeSlice = async (first: number, end: number): Promise<boolean> => {
      // Positions in `messages` still to write; a record too large for one request is taken out.
      let pending = Array.from({ length: end - first }, (_, i) => first + i);
      while (pending.length > 0) {
        const batch = pending.map((position) => messages[position] as Message);
        try {
          await warmWriter.write(batch, context, { ...writeOptions, stopPartitionOnFailure: fifo });
          break;
        } catch (error) {
          const at = error instanceof MessageTooLargeError ? batch.indexOf(error.tooLarge) : -1;
          if (error instanceof MessageTooLargeError && at >= 0) {
            // The Writer refuses the whole call before sending anything; only this record fails.
            const tooLarge = pending[at] as number;
            fail(indexOf[tooLarge] as number);
            logger.warn('record is larger than KAFKA_BATCH_BYTES; handing it back', {
              messageId: records[indexOf[tooLarge] as number]?.messageId,
              sizeBytes: error.sizeBytes,
              limitBytes: error.limitBytes,
            });
            pending = pending.filter((position) => {
              if (position === tooLarge) return false;
              const index = indexOf[position] as number;
              const group = groupOf(index);
              const skipped = group !== undefined && brokenGroups.has(group) && position > tooLarge;
              if (skipped) failed.add(index);
              return !skipped;
            });
            continue;
          }
          if (error instanceof WriteErrors) {
            error.errors.forEach((e, i) => {
              if (e) failed.add(indexOf[pending[i] as number] as number);
            });
          } else {
            for (const position of pending) failed.add(indexOf[position] as number);
          }
          const kinds = logWriteFailure(
            error,
            pending.length,
            (i) => records[indexOf[pending[i] as number] as number],
          );
          const failedHere = kinds.invalid.length + kinds.registry.length + kinds.other.length;
          return failedHere < pending.length || kinds.registry.length + kinds.other.length === 0;
        }
      }
      return true;
    };

    const started = performance.now();
    // One slice at a time: two in flight overlapped their waits for Kafka but held two slices'
    // bytes (bench:memory peaked 110.6-115.6 MiB against 106.4-110.1). A slice needs time left,
    // and the slice before it must have written something (or failed for its own records only);
    // otherwise the rest go back unwritten.
    let next = 0;
    let stoppedBecause = '';
    while (next < messages.length && stoppedBecause === '') {
      if (next > 0 && warmWriter.budgetMs(context) === 0) {
        stoppedBecause = 'no time is left';
        break;
      }
      // A FIFO batch (at most 10 records from SQS) goes in one call: a group that failed in one
      // slice would otherwise have its later records written by the next.
      const end = fifo ? messages.length : Math.min(next + sliceRecords, messages.length);
      if (!(await writeSlice(next, end))) stoppedBecause = 'nothing of the slice before them was written';
      next = end;
    }
    if (next < messages.length) {
      for (let position = next; position < messages.length; position++)
        failed.add(indexOf[position] as number);
      logger.warn(`records handed back unwritten: ${stoppedBecause}`, {
        unwrittenRecords: messages.length - next,
        firstMessageId: records[indexOf[next] as number]?.messageId,
      });
    }
    metrics.addMetric(METRICS.writeLatency, MetricUnit.Milliseconds, performance.now() - started);
    if (schemaRejected > 0) metrics.addMetric(METRICS.schemaRejected, MetricUnit.Count, schemaRejected);

    const batchFailures = batchItemFailures(records, failed);
    metrics.addMetric(METRICS.written, MetricUnit.Count, records.length - batchFailures.length);
    metrics.addMetric(METRICS.failed, MetricUnit.Count, batchFailures.length);
    return { batchItemFailures: batchFailures };
  }

  return middy(bridge)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(releaseMemoryAfterLargeInvocations());
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The message group of a FIFO record; undefined on a standard queue. */
function fifoGroupOf(record: SQSRecord): string | undefined {
  return isFifoRecord(record) ? record.attributes.MessageGroupId : undefined;
}
