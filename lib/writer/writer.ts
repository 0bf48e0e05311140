import { AsyncBuffer, type BufferedEntry } from './async-buffer.ts';
import { type CallSignal, callSignal } from './call-signal.ts';
import {
  BrokerError,
  FlushTimeoutError,
  UnknownTopicError,
  WriteAbortedError,
  WriteErrors,
  WriterClosedError,
  WriterError,
} from './errors.ts';
import type { WriteObserver } from './instrumentation.ts';
import { KafkaJsTransport, transportConfigFrom } from './kafkajs-transport.ts';
import type { Message, ResolvedMessage } from './message.ts';
import { type ObservedWriter, reportReturn, reportSettled, startObserving } from './observe-writes.ts';
import { resolveWriterConfig, type WriterConfig, type WriterOptions } from './options.ts';
import { planBatches } from './plan-batches.ts';
import { RequiredAcks } from './required-acks.ts';
import { resolveMessages } from './resolve-messages.ts';
import { type RetryPolicy, retrying } from './retrying.ts';
import type { WriterStats } from './stats.ts';
import { WriterStatsCollector } from './stats.ts';
import { type KafkaTransport, TransportError } from './transport.ts';

/** Per-call options: Go's context, as an AbortSignal and/or a deadline. */
export interface WriteOptions {
  /** Cancels the call; see WriteAbortedError for what happens to its messages. */
  signal?: AbortSignal;
  /** Bounds the whole call, retries included (e.g. a Lambda's remaining time). */
  timeoutMs?: number;
  /**
   * Sync mode: once a message fails for good (the broker refuses it as too large), the later
   * messages of its partition in this call are not sent either and fail as "not sent", so nothing
   * overtakes it (a FIFO queue's message group). By default the others are written; any other
   * failure always stops its partition. @default false
   */
  stopPartitionOnFailure?: boolean;
}

/** Where an acknowledged message landed. `offset` is '-1' when acks=None. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Writes messages to Kafka with the semantics of segmentio/kafka-go's Writer: balancers pick
 * partitions, writes are sync or async, failures are retried with backoff after a metadata
 * refresh, calls can be cancelled, close() flushes. The constructor does no I/O; the first write
 * (or connect()) opens the connections, which then stay open across Lambda invocations.
 *
 * @example
 * const w = new Writer({ brokers: ['localhost:9092'], topic: 'topic-A', balancer: new LeastBytes() });
 * await w.writeMessages([{ key: 'Key-A', value: 'Hello World!' }]);
 * await w.close();
 */
export class Writer {
  private readonly config: WriterConfig;
  private readonly transport: KafkaTransport;
  private readonly collector = new WriterStatsCollector();
  /** Fires when close() gives up on pending work, ending every retry loop at once. */
  private readonly closeController = new AbortController();
  private readonly buffer: AsyncBuffer | undefined;
  private readonly topicSetups = new Map<string, Promise<number[]>>();
  /** writeMessages calls in progress, with how many messages each carries. */
  private readonly calls = new Map<Promise<unknown>, number>();
  private closing: Promise<void> | undefined;
  /** Set only with an instrumentation: every tracing step is skipped when it is undefined. */
  private readonly observed: ObservedWriter | undefined;

  constructor(options: WriterOptions) {
    this.config = resolveWriterConfig(options);
    const { instrumentation } = this.config;
    this.observed = instrumentation && {
      instrumentation,
      async: this.config.async,
      clientId: this.config.clientId,
      brokers: this.config.brokers,
      batchBytes: this.config.batchBytes,
      logger: this.config.logger,
    };
    this.transport =
      options.transport ??
      new KafkaJsTransport(
        transportConfigFrom(this.config, () => {
          this.collector.dials++;
        }),
      );
    if (this.config.async) {
      this.buffer = new AsyncBuffer(this.config, async (topic, partition, entries) => {
        const outcomes = await this.produceBatch(topic, partition, entries, this.closeController.signal);
        return outcomes.map((outcome) => (outcome instanceof Error ? outcome : undefined));
      });
    }
  }

  /** The Writer's topic, if it has one. */
  get topic(): string | undefined {
    return this.config.topic;
  }

  /** Opens connections now (e.g. during a Lambda's init phase) instead of on the first write. */
  async connect(options: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    const call = this.signalFor(options);
    try {
      await retrying(() => this.transport.connect(), this.policy(call.signal, false));
    } finally {
      call.release();
    }
  }

  /**
   * Writes messages. Validation is all-or-nothing: a bad message rejects the whole call before
   * anything is sent. Sync mode resolves with where each message landed (index-aligned) once
   * every one is acknowledged, and sends at once (never waiting for batchTimeoutMs); failures
   * reject with WriteErrors, one entry per message. Async mode resolves once the messages are
   * buffered (waiting for room when the buffer is full) and resolves with an empty array.
   */
  async writeMessages(messages: readonly Message[], options: WriteOptions = {}): Promise<RecordMetadata[]> {
    this.assertOpen();
    if (!Array.isArray(messages)) throw new WriterError('writeMessages takes an array of messages');
    if (messages.length === 0) return [];
    const resolved = resolveMessagesFor(this.config, messages);
    const { signal, release } = this.signalFor(options);
    if (signal?.aborted) {
      release();
      throw new WriteAbortedError(abortKind(signal), false, signal.reason);
    }
    const observer = this.observed && startObserving(this.observed, resolved);
    // Tracked from here, so a flush() that starts while partitions are looked up waits for it.
    const call = this.write(messages, resolved, signal, options.stopPartitionOnFailure === true, observer);
    this.calls.set(call, messages.length);
    try {
      const records = await call;
      if (observer) reportReturn(observer, undefined, this.config.logger);
      return records;
    } catch (error) {
      if (observer) reportReturn(observer, error, this.config.logger);
      throw error;
    } finally {
      this.calls.delete(call);
      release();
    }
  }

  /**
   * Waits until every message written before this call has been acknowledged or has failed.
   * Rejects with FlushError listing failed async messages, or FlushTimeoutError when the
   * signal or timeout ends the wait first; it never hangs past them.
   */
  async flush(options: WriteOptions = {}): Promise<void> {
    const { signal, release } = this.signalFor(options, false);
    try {
      // Calls in progress first: an async call counts once its messages are in the buffer.
      await waitAll(this.calls, signal);
      await this.buffer?.flush(signal);
    } finally {
      release();
    }
  }

  /**
   * Flushes pending messages, then closes the connections. Later writes fail with
   * WriterClosedError. With a signal or timeout, close() gives up on what is still pending when
   * it fires, reports those messages as failed, disconnects and rejects; it always settles.
   */
  close(options: WriteOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(options);
    return this.closing;
  }

  /** kafka-go's WriterStats; counters and summaries reset on every call. */
  stats(): WriterStats {
    const c = this.config;
    return {
      ...this.collector.takeCounters(),
      maxAttempts: c.maxAttempts,
      writeBackoffMinMs: c.writeBackoffMinMs,
      writeBackoffMaxMs: c.writeBackoffMaxMs,
      maxBatchSize: c.batchSize,
      batchTimeoutMs: c.batchTimeoutMs,
      writeTimeoutMs: c.writeTimeoutMs,
      requiredAcks: c.requiredAcks,
      async: c.async,
      topic: c.topic ?? '',
      clientId: c.clientId,
      bufferedMessages: this.buffer?.size ?? 0,
      maxBufferedMessages: c.maxBufferedMessages,
    };
  }

  private async shutdown(options: WriteOptions): Promise<void> {
    let failure: unknown;
    try {
      await this.flush(options);
    } catch (error) {
      failure = error;
    }
    const closed = new WriterClosedError();
    this.closeController.abort(closed);
    // Settled like any failed batch: completion, stats().errors and the observers, once each.
    this.buffer?.abandonWaiting(closed, (entries, error, partition) => {
      this.settle(entries, (entries[0] as BufferedEntry).resolved.topic, partition, undefined, error);
    });
    await Promise.allSettled([...this.calls.keys()]);
    await this.transport.disconnect();
    if (failure) throw failure;
  }

  private async write(
    messages: readonly Message[],
    resolved: readonly ResolvedMessage[],
    signal: AbortSignal | undefined,
    stopPartitionOnFailure: boolean,
    observer: WriteObserver | undefined,
  ): Promise<RecordMetadata[]> {
    const partitions = await this.assignPartitions(resolved, signal);
    if (!this.buffer) {
      return this.writeNow(messages, resolved, partitions, signal, stopPartitionOnFailure, observer);
    }
    await this.buffer.enqueue(messages, resolved, partitions, signal, observer);
    return [];
  }

  private assertOpen(): void {
    if (this.closing) throw new WriterClosedError();
  }

  /** The call's signal, its deadline and the Writer's close signal, combined; release it when done. */
  private signalFor(options: WriteOptions, includeClose = true): CallSignal {
    const sources: AbortSignal[] = [];
    if (options.signal) sources.push(options.signal);
    if (includeClose) sources.push(this.closeController.signal);
    return callSignal(sources, options.timeoutMs);
  }

  private policy(signal: AbortSignal | undefined, sendsData: boolean): RetryPolicy {
    return {
      maxAttempts: this.config.maxAttempts,
      writeBackoffMinMs: this.config.writeBackoffMinMs,
      writeBackoffMaxMs: this.config.writeBackoffMaxMs,
      signal,
      sendsData,
      onRetry: (error, attempt, delayMs) => {
        this.collector.retries++;
        this.collector.waitTimeMs.observe(delayMs);
        this.config.logger?.warn('kafka write failed, retrying', {
          code: error.code,
          attempt,
          delayMs,
          ...(error.broker !== undefined ? { broker: error.broker } : {}),
          error: error.message,
        });
      },
    };
  }

  /** Asks the balancer for each message's partition, after making sure every topic exists. */
  private async assignPartitions(
    resolved: readonly ResolvedMessage[],
    signal: AbortSignal | undefined,
  ): Promise<number[]> {
    const topics = [...new Set(resolved.map((m) => m.topic))];
    const partitionLists = await Promise.all(topics.map((topic) => this.partitionsFor(topic, signal)));
    const byTopic = new Map(topics.map((topic, i) => [topic, partitionLists[i] as number[]]));
    return resolved.map((message, index) => {
      const partitions = byTopic.get(message.topic) as number[];
      const partition = this.config.balancer.balance(message, partitions);
      if (!partitions.includes(partition)) {
        throw new WriterError(
          `balancer chose partition ${partition} for message ${index}, not one of [${partitions.join(', ')}]`,
        );
      }
      return partition;
    });
  }

  private async partitionsFor(topic: string, signal: AbortSignal | undefined): Promise<number[]> {
    const policy = this.policy(signal, false);
    const known = await retrying(() => this.transport.partitions(topic), policy);
    if (known) return known;
    if (!this.config.allowAutoTopicCreation) throw new UnknownTopicError(topic);
    // Concurrent writes to the same new topic share one creation.
    let setup = this.topicSetups.get(topic);
    if (!setup) {
      setup = this.createTopic(topic, policy).finally(() => this.topicSetups.delete(topic));
      this.topicSetups.set(topic, setup);
    }
    return setup;
  }

  /**
   * Creates a topic and waits until it has partitions with leaders. The LeaderNotAvailable
   * window right after creation is absorbed here, so callers need no retry loop of their own
   * (the kafka-go seed example writes one by hand).
   */
  private async createTopic(topic: string, policy: RetryPolicy): Promise<number[]> {
    const { autoTopicPartitions, autoTopicReplicationFactor, writeTimeoutMs } = this.config;
    await retrying(
      () =>
        this.transport.createTopic(topic, {
          numPartitions: autoTopicPartitions,
          replicationFactor: autoTopicReplicationFactor,
          timeoutMs: writeTimeoutMs,
        }),
      policy,
    );
    this.config.logger?.info('created topic', { topic });
    return retrying(async () => {
      const partitions = await this.transport.partitions(topic, { refresh: true });
      if (partitions) return partitions;
      throw new TransportError(`topic ${topic} not visible yet`, 'retriable', 'LEADER_NOT_AVAILABLE', false);
    }, policy);
  }

  private async writeNow(
    messages: readonly Message[],
    resolved: readonly ResolvedMessage[],
    partitions: readonly number[],
    signal: AbortSignal | undefined,
    stopPartitionOnFailure: boolean,
    observer: WriteObserver | undefined,
  ): Promise<RecordMetadata[]> {
    const { batchSize, batchBytes } = this.config;
    const plan = planBatches(resolved, partitions, batchSize, batchBytes);
    const errors: Array<Error | undefined> = new Array(messages.length).fill(undefined);
    const records: RecordMetadata[] = new Array(messages.length);
    const now = Date.now();
    await Promise.all(
      plan.map(async (batches) => {
        let earlier: Error | undefined;
        for (const batch of batches) {
          const entries = batch.indices.map((i) => ({
            message: messages[i] as Message,
            resolved: resolved[i] as ResolvedMessage,
            seq: i,
            enqueuedAtMs: now,
            observer,
            index: i,
          }));
          if (earlier) {
            // Sending later batches of a partition whose earlier batch failed would reorder it.
            const notSent = notSentAfter(earlier);
            for (const i of batch.indices) errors[i] = notSent;
            this.settle(entries, batch.topic, batch.partition, undefined, notSent);
            continue;
          }
          const outcomes = await this.produceBatch(
            batch.topic,
            batch.partition,
            entries,
            signal,
            stopPartitionOnFailure,
          );
          batch.indices.forEach((i, position) => {
            const outcome = outcomes[position];
            if (outcome instanceof Error) {
              errors[i] = outcome;
              if (stopPartitionOnFailure || !isTooLarge(outcome)) earlier ??= outcome;
            } else {
              records[i] = { topic: batch.topic, partition: batch.partition, offset: outcome as string };
            }
          });
        }
      }),
    );
    if (errors.some((e) => e !== undefined)) throw new WriteErrors(errors, records);
    return records;
  }

  /**
   * Sends one partition's batch and answers per message: its offset, or its error. A batch the
   * broker refuses as too large is split in halves until the offending message stands alone, as
   * the Java producer does: that message fails, the others are written (with
   * `stopPartitionOnFailure`, only those before it). Any other failure ends the batch; the
   * messages after it are not sent (a partition's order is never broken).
   */
  private async produceBatch(
    topic: string,
    partition: number,
    entries: BufferedEntry[],
    signal: AbortSignal | undefined,
    stopPartitionOnFailure = false,
  ): Promise<Array<string | Error>> {
    try {
      const baseOffset = await this.sendBatch(topic, partition, entries, signal);
      const offsets = offsetsFrom(baseOffset, entries.length);
      this.settle(entries, topic, partition, offsets, undefined);
      return offsets;
    } catch (error) {
      if (!isTooLarge(error) || entries.length === 1) {
        this.settle(entries, topic, partition, undefined, error as Error);
        return entries.map(() => error as Error);
      }
      // Split, not settled: each part is reported (completion, observers, stats) when it is.
      const middle = Math.ceil(entries.length / 2);
      const halves = [entries.slice(0, middle), entries.slice(middle)] as const;
      const first = await this.produceBatch(topic, partition, halves[0], signal, stopPartitionOnFailure);
      const stop = first.find(
        (outcome) => outcome instanceof Error && (stopPartitionOnFailure || !isTooLarge(outcome)),
      );
      if (stop) {
        const notSent = halves[1].map(() => notSentAfter(stop as Error));
        this.settle(halves[1], topic, partition, undefined, notSent[0]);
        return [...first, ...notSent];
      }
      return [
        ...first,
        ...(await this.produceBatch(topic, partition, halves[1], signal, stopPartitionOnFailure)),
      ];
    }
  }

  /**
   * A batch's final outcome, told once per message: to `completion`, the error count and the
   * observers. Not from sendBatch, since a batch refused as too large is split and its messages
   * are settled by the halves.
   */
  private settle(
    entries: BufferedEntry[],
    topic: string,
    partition: number,
    offsets: string[] | undefined,
    error: Error | undefined,
  ): void {
    if (error) this.collector.errors++;
    this.complete(entries, error);
    if (this.observed) reportSettled(entries, topic, partition, offsets, error, this.config.logger);
  }

  /** One request's worth of messages, with retries; returns its base offset (produceBatch settles it). */
  private async sendBatch(
    topic: string,
    partition: number,
    entries: BufferedEntry[],
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const { requiredAcks, writeTimeoutMs, compression } = this.config;
    // One object for every attempt: the transport knows a retry by it and re-sends the batch
    // with the same sequence numbers.
    const bytes = entries.reduce((sum, e) => sum + e.resolved.size, 0);
    const batch = {
      topic,
      partition,
      // The resolved messages themselves: a ResolvedMessage is a WireRecord, and no copy per
      // message is made.
      records: entries.map((entry) => entry.resolved),
      bytes,
    };
    const startedAt = Date.now();
    const firstQueuedAt = entries[0]?.enqueuedAtMs ?? startedAt;
    this.collector.batchQueueTimeMs.observe(startedAt - firstQueuedAt);
    try {
      const { baseOffset } = await retrying(
        async () => {
          const requestStart = Date.now();
          this.collector.writes++;
          try {
            return await this.transport.produce(batch, {
              acks: requiredAcks,
              timeoutMs: writeTimeoutMs,
              compression,
            });
          } finally {
            this.collector.writeTimeMs.observe(Date.now() - requestStart);
          }
        },
        this.policy(signal, true),
      );
      this.collector.messages += entries.length;
      this.collector.bytes += bytes;
      this.collector.batchSize.observe(entries.length);
      this.collector.batchBytes.observe(bytes);
      this.collector.batchTimeMs.observe(Date.now() - firstQueuedAt);
      return requiredAcks === RequiredAcks.None ? '-1' : baseOffset;
    } catch (error) {
      // The transport knows whether a request of this batch can have reached the broker.
      const verdict = this.transport.abandon?.(batch);
      throw verdict ? withDeliveryVerdict(error as Error, verdict.mayBeWritten) : error;
    }
  }

  private complete(entries: BufferedEntry[], error: Error | undefined): void {
    const { completion } = this.config;
    if (!completion) return;
    try {
      completion(
        entries.map((e) => e.message),
        error,
      );
    } catch (callbackError) {
      // A throwing callback must not turn a delivered batch into a failed one.
      this.config.logger?.error('completion callback threw', { error: String(callbackError) });
    }
  }
}

function resolveMessagesFor(config: WriterConfig, messages: readonly Message[]): ResolvedMessage[] {
  return resolveMessages(messages, config.topic, config.batchBytes);
}

/** The broker refused a message as too large: no retry can change that. */
function isTooLarge(error: unknown): boolean {
  return (
    error instanceof BrokerError &&
    (error.code === 'MESSAGE_TOO_LARGE' || error.code === 'RECORD_LIST_TOO_LARGE')
  );
}

/** The offsets of a batch's messages, from the broker's base offset (a decimal int64). */
function offsetsFrom(baseOffset: string, count: number): string[] {
  const offsets = new Array<string>(count);
  if (baseOffset === '-1') return offsets.fill('-1');
  const base = Number(baseOffset);
  // Numbers while exact (offsets below 2^53, every real partition); BigInt beyond.
  if (Number.isSafeInteger(base + count)) {
    for (let i = 0; i < count; i++) offsets[i] = String(base + i);
  } else {
    const big = BigInt(baseOffset);
    for (let i = 0; i < count; i++) offsets[i] = (big + BigInt(i)).toString();
  }
  return offsets;
}

/** The error with `mayBeDelivered` as the transport judged it. */
function withDeliveryVerdict(error: Error, mayBeDelivered: boolean): Error {
  if (error instanceof WriteAbortedError && error.mayBeDelivered !== mayBeDelivered) {
    return new WriteAbortedError(error.reason, mayBeDelivered, error.cause);
  }
  if (error instanceof BrokerError && error.mayBeDelivered !== mayBeDelivered) {
    return new BrokerError(error.message, error.code, error.attempts, {
      retriable: error.retriable,
      cause: error.cause,
      mayBeDelivered,
    });
  }
  return error;
}

function abortKind(signal: AbortSignal): 'aborted' | 'timeout' {
  return (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError' ? 'timeout' : 'aborted';
}

/** The error for a batch held back because an earlier batch of its partition failed. */
function notSentAfter(earlier: Error): Error {
  if (earlier instanceof WriteAbortedError) return new WriteAbortedError(earlier.reason, false, earlier);
  return new WriterError(`not sent: an earlier batch for the same partition failed (${earlier.message})`, {
    retriable: (earlier as WriterError).retriable === true,
    cause: earlier,
  });
}

/** Waits for the calls in progress; a signal that ends the wait first gives FlushTimeoutError. */
async function waitAll(
  calls: ReadonlyMap<Promise<unknown>, number>,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (calls.size === 0) return;
  let pendingMessages = 0;
  for (const count of calls.values()) pendingMessages += count;
  const all = Promise.allSettled(
    [...calls].map(([call, count]) => call.finally(() => (pendingMessages -= count))),
  ).then(() => undefined);
  if (!signal) return all;
  await new Promise<void>((resolve, reject) => {
    const giveUp = () => reject(new FlushTimeoutError(pendingMessages));
    if (signal.aborted) return giveUp();
    signal.addEventListener('abort', giveUp, { once: true });
    void all.then(() => {
      signal.removeEventListener('abort', giveUp);
      resolve();
    });
  });
}
