import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { readScheduleConfig, type ScheduleConfig, ScheduleSourceKind } from '../../config/schedule-config.ts';
import { pickTraceContext, type TraceContext, withTraceContext } from '../../mapping/trace-context.ts';
import { SchemaValidationError } from '../../schema/value-serializer.ts';
import { BrokerError, MessageTooLargeError, WriteErrors } from '../../writer/errors.ts';
import type { Message } from '../../writer/message.ts';
import { type HandlerOptions, setUpHandler } from '../handler-setup.ts';
import { invocationTrace } from '../invocation-trace.ts';
import { collectBuffersAbove, releaseMemoryAfterLargeInvocations } from '../memory-release.ts';
import { METRICS, MetricUnit, writerLoggerFrom } from '../observability.ts';
import { firstFailure, isRegistryFailure } from '../schema-failures.ts';
import type { BatchSource, SourceBatch } from './batch-source.ts';
import { createInputSource, type ValueCheck } from './input-source.ts';
import { S3NdjsonSource, type SourceLogger } from './s3-ndjson-source.ts';

/** Builds the source of one invocation from its event (the schedule's input) and the config. */
export type SourceFactory = (event: unknown, config: ScheduleConfig, logger: SourceLogger) => BatchSource;

/** Options of createScheduledHandler. */
export interface ScheduledHandlerOptions extends HandlerOptions {
  /** Replaces the source `SCHEDULE_SOURCE` names: a source, or a factory called per invocation. */
  source?: BatchSource | SourceFactory;
}

/** What an invocation did; also logged. */
export interface ScheduledRunSummary {
  /** Messages Kafka acknowledged in this invocation. */
  published: number;
  /** S3 objects tagged done in this invocation. */
  objectsDone: number;
  /** S3 objects tagged failed in this invocation (bad line; see the logs). */
  objectsFailed: number;
  /** Where the run continued an earlier one, e.g. `s3://bucket/key#L501`. */
  resumedFrom?: string;
  /** The time budget ran out first: the next invocation continues. */
  stoppedForTime: boolean;
}

/** Metric names of scheduled runs, besides the shared METRICS. */
export const SCHEDULED_METRICS = {
  objectsDone: 'ObjectsDone',
  objectsFailed: 'ObjectsFailed',
  stoppedForTime: 'StoppedForTime',
} as const;

/**
 * The scheduled batch publisher: an EventBridge Scheduler schedule (its Input is the event) or an
 * EventBridge cron rule ("Scheduled Event") runs a batch source and writes its messages within
 * the invocation's time, batch by batch, committing each batch after Kafka acknowledged it.
 *
 * - A resumable source (S3 NDJSON) is stopped when the remaining write budget
 *   (`KAFKA_DEADLINE_MARGIN_MS` already kept) falls below `SCHEDULE_STOP_MARGIN_MS` plus the
 *   slowest batch so far: its progress is saved and the next invocation continues from there.
 * - A failed write throws, after committing the leading messages Kafka did acknowledge, so
 *   Lambda's asynchronous retries and then the function's failure destination / dead-letter queue
 *   take over (EventBridge Scheduler invokes Lambda asynchronously; its own retry policy and DLQ
 *   cover failures to invoke). A retried input-source event may write again what was written.
 * - A message Kafka can never take (too large) is handed to the source's `reject`, when it has
 *   one (S3: the object is tagged failed at that line) instead of failing every later run.
 *
 * Config is read once, at cold start; every problem is reported in one ConfigError.
 *
 * @example
 * export const handler = createScheduledHandler();
 */
export function createScheduledHandler(options: ScheduledHandlerOptions = {}) {
  const {
    trigger: config,
    kafka,
    logger,
    metrics,
    warmWriter,
    writeOptions,
  } = setUpHandler(options, 'scheduled-publisher', readScheduleConfig);
  const sourceLogger = writerLoggerFrom(logger);
  const givenSource: SourceFactory | undefined =
    typeof options.source === 'function'
      ? options.source
      : options.source
        ? () => options.source as BatchSource
        : undefined;
  /** The source of an invocation: the caller's, or the one SCHEDULE_SOURCE names. */
  const sourceFor = (context: Context): SourceFactory =>
    givenSource ??
    defaultSource(kafka.batchBytes, warmWriter.config.claimCheck !== undefined, (messages) =>
      warmWriter.invalidValues(messages, context, writeOptions),
    );

  async function publish(event: unknown, context: Context): Promise<ScheduledRunSummary> {
    const eventId = (event as { id?: unknown } | null)?.id;
    if (typeof eventId === 'string') logger.appendKeys({ correlation_id: eventId });
    let source: BatchSource;
    try {
      source = sourceFor(context)(event, config, sourceLogger);
    } catch (error) {
      logger.error('the scheduled run cannot start; nothing was written', {
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
    const stop = new AbortController();
    const pace = new Pace(config.stopMarginMs);
    // A source that cannot resume is never cut short: stopping it would drop its messages.
    const timer = source.resumable
      ? setTimeout(
          () => stop.abort(new Error('time budget nearly used')),
          pace.timeLeftMs(warmWriter.budgetMs(context)),
        )
      : undefined;
    let published = 0;
    let stoppedForTime = false;
    // Scheduler and EventBridge hand their trace to the function as the invocation's.
    const trace = pickTraceContext(invocationTrace());
    const run = { deadlineMs: Date.now() + context.getRemainingTimeInMillis() };
    const iterator = source.batches(stop.signal, run)[Symbol.asyncIterator]();
    try {
      while (true) {
        let next: IteratorResult<SourceBatch>;
        try {
          next = await iterator.next();
        } catch (error) {
          // A read the stop signal aborted: nothing was half-saved, the next run resumes.
          if (stop.signal.aborted && source.resumable) break;
          throw error;
        }
        if (next.done) break;
        published += await writeBatch(next.value, trace, context);
        pace.batchEnded();
        if (source.resumable && pace.shouldStop(warmWriter.budgetMs(context))) {
          stoppedForTime = true;
          break;
        }
      }
    } finally {
      clearTimeout(timer);
      // Ends the source's iteration (its finally blocks) when the loop left early.
      await iterator.return?.().catch(() => undefined);
    }
    stoppedForTime ||= stop.signal.aborted;
    const report = source.report?.() ?? { objectsDone: 0, objectsFailed: 0 };
    const summary: ScheduledRunSummary = {
      published,
      objectsDone: report.objectsDone,
      objectsFailed: report.objectsFailed,
      ...(report.resumedFrom === undefined ? {} : { resumedFrom: report.resumedFrom }),
      stoppedForTime,
    };
    metrics.addMetric(METRICS.written, MetricUnit.Count, published);
    metrics.addMetric(SCHEDULED_METRICS.objectsDone, MetricUnit.Count, summary.objectsDone);
    metrics.addMetric(SCHEDULED_METRICS.objectsFailed, MetricUnit.Count, summary.objectsFailed);
    metrics.addMetric(SCHEDULED_METRICS.stoppedForTime, MetricUnit.Count, stoppedForTime ? 1 : 0);
    logger.info(
      stoppedForTime ? 'scheduled run stopped for time; the next one resumes' : 'scheduled run finished',
      {
        ...summary,
      },
    );
    return summary;
  }

  /**
   * Writes one batch, with the invocation's trace context on each message that has none, and
   * commits it; returns how many messages Kafka acknowledged.
   */
  async function writeBatch(
    batch: SourceBatch,
    trace: TraceContext | undefined,
    context: Context,
  ): Promise<number> {
    const messages = batch.messages.map((message) => withTraceContext(message, trace));
    if (messages.length === 0) {
      await batch.commit();
      return 0;
    }
    const started = performance.now();
    try {
      // A source's messages are one sequence: nothing after a message that failed before the
      // Writer (schema, claim check) is written, so a rejected line stays the last one written.
      await warmWriter.write(messages, context, { ...writeOptions, keepOrder: true });
    } catch (error) {
      const unwritable = unwritableIndex(error, messages);
      if (unwritable !== undefined && batch.reject)
        return await rejectAt(batch, messages, unwritable, error as Error, context);
      const delivered = deliveredPrefix(error);
      metrics.addMetric(METRICS.failed, MetricUnit.Count, messages.length - delivered);
      // Saved first, so the retry starts after what Kafka already has.
      if (delivered > 0) await batch.commit(delivered);
      const failure = firstFailure(error);
      const invalid = failure instanceof SchemaValidationError;
      if (invalid) metrics.addMetric(METRICS.schemaRejected, MetricUnit.Count, 1);
      const what = invalid
        ? 'a message does not match the schema and its source cannot reject it'
        : isRegistryFailure(failure)
          ? 'the schema registry is unavailable'
          : 'writing a batch to Kafka failed';
      logger.error(`${what}; progress up to the acknowledged messages is saved`, {
        error: errorText(invalid || isRegistryFailure(failure) ? failure : error),
        ...(invalid ? { field: failure.field } : {}),
        batch: messages.length,
        acknowledged: delivered,
      });
      throw error;
    } finally {
      metrics.addMetric(METRICS.writeLatency, MetricUnit.Milliseconds, performance.now() - started);
    }
    await batch.commit();
    return messages.length;
  }

  /** Writes what comes before an unwritable message, commits it, then lets the source reject it. */
  async function rejectAt(
    batch: SourceBatch,
    messages: readonly Message[],
    index: number,
    error: Error,
    context: Context,
  ): Promise<number> {
    const delivered = Math.min(deliveredPrefix(error), index);
    if (index > delivered)
      await warmWriter.write(messages.slice(delivered, index), context, { ...writeOptions, keepOrder: true });
    if (index > 0) await batch.commit(index);
    const failure = firstFailure(error);
    const rejected = failure instanceof SchemaValidationError ? failure : error;
    await batch.reject?.(index, rejected);
    metrics.addMetric(METRICS.failed, MetricUnit.Count, 1);
    if (rejected instanceof SchemaValidationError) {
      metrics.addMetric(METRICS.schemaRejected, MetricUnit.Count, 1);
      logger.error('a message that does not match the schema was handed back to its source', {
        error: rejected.message,
        field: rejected.field,
        index,
      });
    } else {
      logger.error('a message Kafka cannot take was handed back to its source', {
        error: rejected.message,
        index,
      });
    }
    return index;
  }

  return middy(publish)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(releaseMemoryAfterLargeInvocations());
}

/**
 * Most bytes of NDJSON lines per batch of the S3 source (a batch also ends at SCHEDULE_BATCH_SIZE
 * lines). Measured by bench:memory at 128 MB: batches of 8 MiB of 1,000,000-byte lines peaked at
 * 118.4 MiB, past the 115 MiB a 128 MB function allows; a smaller bound only means more saves of
 * the progress (two S3 calls per batch).
 */
export const S3_BATCH_BYTES = 4 * 2 ** 20;

/** The source SCHEDULE_SOURCE names. */
function defaultSource(batchBytes: number, claimCheck: boolean, checkValues: ValueCheck): SourceFactory {
  return (event, config, logger) => {
    if (config.source.kind === ScheduleSourceKind.Input) {
      return createInputSource(event, {
        topic: config.topic,
        keyPointer: config.keyPointer,
        batchSize: config.batchSize,
        checkValues,
      });
    }
    return new S3NdjsonSource({
      bucket: config.source.bucket,
      prefix: config.source.prefix,
      leaseKey: config.source.leaseKey,
      topic: config.topic ?? '',
      keyPointer: config.keyPointer,
      batchSize: config.batchSize,
      // A batch of long lines is held twice while it is written (its lines, the request), so its
      // bytes bound the function's memory: S3_BATCH_BYTES, or one read if that is smaller.
      batchBytes: Math.min(S3_BATCH_BYTES, config.chunkBytes),
      maxObjects: config.maxObjects,
      chunkBytes: config.chunkBytes,
      // Alive where it is called: at most one batch of lines (acknowledged batches release
      // theirs); Buffers past a read's worth are dead pieces and requests, not yet freed.
      releaseBuffers: collectBuffersAbove(config.chunkBytes),
      // A line the Writer would refuse (over KAFKA_BATCH_BYTES with its key and headers) is
      // caught while reading; a key big enough to tip it over still ends in reject(). With the
      // claim check a long line goes to S3, so only SCHEDULE_MAX_LINE_BYTES bounds it.
      maxLineBytes: claimCheck
        ? config.maxLineBytes
        : Math.max(16, Math.min(config.maxLineBytes, batchBytes - 4096)),
      logger,
    });
  };
}

/** How many leading messages of a failed write Kafka acknowledged. */
function deliveredPrefix(error: unknown): number {
  if (!(error instanceof WriteErrors)) return 0;
  const firstFailed = error.errors.findIndex((e) => e !== undefined);
  return firstFailed < 0 ? error.errors.length : firstFailed;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The index of a message no retry can write (too large, or its value does not match the schema),
 * if that is why the write failed.
 */
function unwritableIndex(error: unknown, messages: readonly Message[]): number | undefined {
  if (error instanceof MessageTooLargeError) {
    const index = messages.indexOf(error.tooLarge);
    return index < 0 ? undefined : index;
  }
  if (error instanceof WriteErrors) {
    const index = error.errors.findIndex((e) => e !== undefined);
    const first = error.errors[index];
    if (
      first instanceof BrokerError &&
      (first.code === 'MESSAGE_TOO_LARGE' || first.code === 'RECORD_LIST_TOO_LARGE')
    ) {
      return index;
    }
    // No retry makes a value fit its schema: the line goes back to its source like a bad one.
    if (first instanceof SchemaValidationError) return index;
  }
  return undefined;
}

/**
 * Decides when a resumable run stops: when the write budget left is below the margin plus the
 * slowest batch seen (reading, writing and saving one). The first batch, which also connects the
 * Writer and loads the S3 client, counts only until a second one ends.
 */
class Pace {
  private last = performance.now();
  private first: number | undefined;
  private slowest = 0;

  constructor(private readonly marginMs: number) {}

  /** Milliseconds until the stop signal should fire, for a budget of `budgetMs`. */
  timeLeftMs(budgetMs: number): number {
    return Math.max(0, budgetMs - this.marginMs);
  }

  batchEnded(): void {
    const now = performance.now();
    const took = now - this.last;
    this.last = now;
    if (this.first === undefined) this.first = took;
    else this.slowest = Math.max(this.slowest, took);
  }

  shouldStop(budgetMs: number): boolean {
    const next = this.slowest > 0 ? this.slowest : (this.first ?? 0);
    return budgetMs < this.marginMs + next;
  }
}
