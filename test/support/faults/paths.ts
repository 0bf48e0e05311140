import { setTimeout as sleep } from 'node:timers/promises';
import { readKafkaConfig } from '../../../lib/config/kafka-config.ts';
import { createSqsHandler } from '../../../lib/lambda/sqs/handler.ts';
import { WarmWriter } from '../../../lib/lambda/warm-writer.ts';
import { WriteErrors } from '../../../lib/writer/errors.ts';
import type { Writer } from '../../../lib/writer/writer.ts';
import { readBatchItemFailures, type SqsEventHandler } from '../../../scripts/local/sqs-poller.ts';
import { quietObservability } from '../../unit/webhook/support.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../sqs-events.ts';
import { idOfBody, type Ledger } from './ledger.ts';
import type { MemoryQueue, QueuedMessage } from './memory-queue.ts';
import { tracedWriter } from './tracing-transport.ts';

/** The ways messages travel from their source to Kafka in these tests. */
export const PATHS = {
  /** A Writer called directly (a producer app) with its defaults (idempotent, acks=all); the caller's queue retries failures. */
  writer: 'writer',
  /** The same with `idempotent: false`, for contrast: its retries may duplicate (kafka-go's only mode). */
  writerNotIdempotent: 'writer-not-idempotent',
  /** SQS events -> createSqsHandler -> Kafka, fed by an SQS-semantics queue in process. */
  sqsHandler: 'sqs-handler',
  /** moto's SQS -> SqsPoller (the local event source mapping) -> createSqsHandler -> Kafka. */
  sqsMoto: 'sqs-moto',
} as const;
export type PathName = (typeof PATHS)[keyof typeof PATHS];

/** Time the bridge keeps for itself at the end of an invocation (KAFKA_DEADLINE_MARGIN_MS default). */
const DEADLINE_MARGIN_MS = 500;

/** One invocation's worth of work: hands a batch over and says which messages Kafka acknowledged. */
export interface Sink {
  invoke(batch: readonly QueuedMessage[], timeoutMs: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Where a path writes, and how it records what it does. */
export interface SinkTarget {
  brokers: string[];
  topic: string;
  ledger: Ledger;
}

function identifyByBody(record: { value: Buffer | null }): string | undefined {
  return idOfBody(record.value);
}

/**
 * A Writer called directly, shared by every lane (one Writer, many concurrent callers, as in
 * kafka-go). Each call is bounded like an invocation; what it does not acknowledge goes back to
 * the caller's queue.
 */
export function writerSink(target: SinkTarget, options: { idempotent?: boolean }): Sink {
  const writer: Writer = tracedWriter(
    { brokers: target.brokers, topic: target.topic, ...options },
    identifyByBody,
    target.ledger,
  );
  return {
    async invoke(batch, timeoutMs) {
      const messages = batch.map((m) => ({ key: m.id, value: m.body }));
      try {
        await writer.writeMessages(messages, { timeoutMs: Math.max(1, timeoutMs - DEADLINE_MARGIN_MS) });
        return batch.map((m) => m.id);
      } catch (error) {
        if (!(error instanceof WriteErrors)) return [];
        return batch.flatMap((m, i) => (error.errors[i] === undefined ? [m.id] : []));
      }
    },
    close: () => writer.close({ timeoutMs: 5_000 }).catch(() => undefined),
  };
}

/** Slices per batch: every fault also meets a batch written in slices. */
const SLICES_PER_BATCH = 4;

/**
 * The deployable SQS bridge (createSqsHandler) of one Lambda container: its own WarmWriter,
 * configured from KAFKA_* as in production, over a traced transport. Batches here hold 10 to
 * 1,000 records, one slice at the handler's default size: each is written in SLICES_PER_BATCH
 * slices instead (one handler per slice size, all on the container's WarmWriter).
 */
export function sqsHandler(target: SinkTarget, extraEnv: Record<string, string> = {}) {
  const env = { KAFKA_BROKERS: target.brokers.join(','), KAFKA_TOPIC: target.topic, ...extraEnv };
  const warmWriter = new WarmWriter({
    config: readKafkaConfig(env).config,
    createWriter: (options) => tracedWriter(options, identifyByBody, target.ledger),
  });
  const observability = quietObservability();
  const bySliceSize = new Map<number, SqsEventHandler>();
  const handler: SqsEventHandler = (event, context) => {
    const writeSliceRecords = Math.max(1, Math.ceil(event.Records.length / SLICES_PER_BATCH));
    let sliced = bySliceSize.get(writeSliceRecords);
    if (!sliced) {
      const created = createSqsHandler({ env, warmWriter, observability, writeSliceRecords });
      sliced = created as unknown as SqsEventHandler;
      bySliceSize.set(writeSliceRecords, sliced);
    }
    return sliced(event, context);
  };
  return { handler, warmWriter };
}

/**
 * One Lambda container running the SQS bridge: the event in AWS's shape, a context counting down
 * from the function timeout, and Lambda's verdict: past the timeout the whole batch failed (the
 * handler keeps running, as a timed-out Lambda's writes may still land); otherwise every record
 * not in batchItemFailures was acknowledged.
 */
export function sqsHandlerSink(target: SinkTarget, extraEnv: Record<string, string> = {}): Sink {
  const { handler, warmWriter } = sqsHandler(target, extraEnv);
  return {
    async invoke(batch, timeoutMs) {
      // The bridge stamps records with the SQS sent time: a stale one would be deleted by retention.
      const event = sqsEvent(batch.map((m) => sqsRecord(m.body, { id: m.id, sentTimestamp: m.sentAt })));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        const response = await Promise.race([handler(event, lambdaContext(timeoutMs)), timedOut]);
        if (response === 'timeout') return [];
        const verdict = readBatchItemFailures(response, new Set(batch.map((m) => m.id)));
        if ('invalid' in verdict) return [];
        return batch.flatMap((m) => (verdict.failedIds.has(m.id) ? [] : [m.id]));
      } catch {
        return [];
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => warmWriter.close(5_000),
  };
}

export interface LaneOptions {
  lanes: number;
  batchSize: number;
  batchWindowMs: number;
  invocationTimeoutMs: number;
  /** Lanes stop here even if the queue is not finished; what remains counts as failed back. */
  stopAt: number;
}

/**
 * Concurrent invocation loops (Lambda's pollers, or a producer's worker pool) over one queue: each
 * receives a batch, invokes its sink, and deletes exactly what the sink says was acknowledged.
 */
export async function runLanes(
  queue: MemoryQueue,
  ledger: Ledger,
  sinkFor: (lane: number) => Sink,
  options: LaneOptions,
): Promise<void> {
  await Promise.all(
    Array.from({ length: options.lanes }, async (_, lane) => {
      const sink = sinkFor(lane);
      while (!queue.finished && Date.now() < options.stopAt) {
        const batch = await queue.receiveBatch(options.batchSize, options.batchWindowMs, options.stopAt);
        if (batch.length === 0) continue;
        ledger.delivered(batch.map((m) => m.id));
        const acknowledged = await sink.invoke(batch, options.invocationTimeoutMs);
        ledger.acked(acknowledged);
        queue.delete(acknowledged);
      }
    }),
  );
}

/**
 * Sends the ledger's messages into a queue at their release times (ms from `startedAt`), as
 * upstream producers would, then marks the end of the feed.
 */
export async function feed(
  send: (ids: string[]) => void | Promise<void>,
  ids: readonly string[],
  releaseAtMs: (index: number) => number,
  startedAt: number,
  chunk = Number.POSITIVE_INFINITY,
): Promise<void> {
  for (let i = 0; i < ids.length; ) {
    const due = startedAt + releaseAtMs(i) - Date.now();
    // Ticks of at least 20 ms: releasing what fell due since is as good, and far cheaper.
    if (due > 0) await sleep(Math.min(Math.max(due, 20), 1000));
    if (startedAt + releaseAtMs(i) > Date.now()) continue;
    const ready: string[] = [];
    while (i < ids.length && ready.length < chunk && startedAt + releaseAtMs(i) <= Date.now()) {
      ready.push(ids[i] as string);
      i++;
    }
    await send(ready);
    // Yield, so a big backlog of due messages does not starve the lanes.
    if (ready.length >= chunk) await sleep(0);
  }
}
