import { type FailedMessage, FlushError, FlushTimeoutError } from './errors.ts';
import type { WriteObserver } from './instrumentation.ts';
import type { Message, ResolvedMessage } from './message.ts';
import { abortedError } from './retrying.ts';

/** One buffered message. `seq` orders messages across partitions for flush(). */
export interface BufferedEntry {
  message: Message;
  resolved: ResolvedMessage;
  seq: number;
  enqueuedAtMs: number;
  /** The call's tracing observer, when the Writer has an instrumentation. */
  observer?: WriteObserver | undefined;
  /** Position in its writeMessages call (what the observer knows the message by). */
  index?: number;
}

/**
 * Sends one batch of a partition; answers per entry: `undefined` when written, else its error.
 * It hands the batch to the transport before it returns (synchronously), so a partition's batches
 * reach the transport, which keeps their order, in the order they were sent.
 */
export type SendBatch = (
  topic: string,
  partition: number,
  entries: BufferedEntry[],
) => Promise<ReadonlyArray<Error | undefined>>;

/** Reports a batch that was never sent (Writer closed before it could be). */
export type AbandonBatch = (entries: BufferedEntry[], error: Error, partition: number) => void;

interface PartitionQueue {
  topic: string;
  partition: number;
  waiting: BufferedEntry[];
  waitingBytes: number;
  /** Batches sent and not yet settled, oldest first. */
  inFlight: BufferedEntry[][];
  timer: NodeJS.Timeout | undefined;
}

interface FlushWaiter {
  limitSeq: number;
  remaining: number;
  failures: FailedMessage[];
  done: () => void;
}

interface CapacityWaiter {
  count: number;
  bytes: number;
  grant: () => void;
}

export interface AsyncBufferLimits {
  batchSize: number;
  batchBytes: number;
  batchTimeoutMs: number;
  maxBufferedMessages: number;
  maxBufferedBytes: number;
  /** Batches of one partition sent at once; the transport keeps them in order. */
  maxInFlightPerPartition: number;
}

/**
 * The async Writer's buffer: per-partition queues whose batches are handed to the sender in order,
 * up to `maxInFlightPerPartition` at a time (the transport keeps a partition's order across them
 * and their retries), a bounded size with backpressure (kafka-go's grows without limit), and
 * flush() that waits for exactly the messages queued before it.
 */
export class AsyncBuffer {
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly flushWaiters = new Set<FlushWaiter>();
  private readonly capacityWaiters: CapacityWaiter[] = [];
  private bufferedMessages = 0;
  private bufferedBytes = 0;
  private lastSeq = 0;
  private urgent = 0;
  /** Queues whose batchTimeoutMs ran out while a batch was in flight: they send once it settles. */
  private readonly timedOut = new Set<PartitionQueue>();

  constructor(
    private readonly limits: AsyncBufferLimits,
    private readonly send: SendBatch,
  ) {}

  /** Messages buffered or in flight right now. */
  get size(): number {
    return this.bufferedMessages;
  }

  /**
   * Queues a call's messages once the buffer has room for all of them (backpressure). A call
   * larger than the whole bound is admitted into an empty buffer, so it cannot wait forever.
   */
  async enqueue(
    messages: readonly Message[],
    resolved: readonly ResolvedMessage[],
    partitions: readonly number[],
    signal: AbortSignal | undefined,
    observer?: WriteObserver,
  ): Promise<void> {
    const bytes = resolved.reduce((sum, m) => sum + m.size, 0);
    await this.reserve(messages.length, bytes, signal);
    const now = Date.now();
    const touched = new Set<PartitionQueue>();
    for (let i = 0; i < messages.length; i++) {
      const entry: BufferedEntry = {
        message: messages[i] as Message,
        resolved: resolved[i] as ResolvedMessage,
        seq: ++this.lastSeq,
        enqueuedAtMs: now,
        observer,
        index: i,
      };
      const queue = this.queueFor(entry.resolved.topic, partitions[i] as number);
      queue.waiting.push(entry);
      queue.waitingBytes += entry.resolved.size;
      touched.add(queue);
    }
    for (const queue of touched) this.schedule(queue);
  }

  /**
   * Sends everything queued so far without waiting for batchTimeoutMs, and resolves when those
   * messages have settled. Rejects with FlushError listing the ones that failed, or with
   * FlushTimeoutError when the signal ends the wait first.
   */
  async flush(signal: AbortSignal | undefined): Promise<void> {
    const limitSeq = this.lastSeq;
    let remaining = 0;
    for (const queue of this.queues.values()) {
      for (const batch of queue.inFlight) for (const entry of batch) if (entry.seq <= limitSeq) remaining++;
      for (const entry of queue.waiting) if (entry.seq <= limitSeq) remaining++;
    }
    if (remaining === 0) return;
    const waiter: FlushWaiter = { limitSeq, remaining, failures: [], done: () => {} };
    const settled = new Promise<void>((resolve) => {
      waiter.done = resolve;
    });
    this.flushWaiters.add(waiter);
    this.urgent++;
    try {
      for (const queue of this.queues.values()) this.schedule(queue);
      await untilSettledOrAborted(settled, signal);
    } catch {
      throw new FlushTimeoutError(waiter.remaining);
    } finally {
      this.urgent--;
      this.flushWaiters.delete(waiter);
    }
    if (waiter.failures.length > 0) throw new FlushError(waiter.failures);
  }

  /** Settles every message not yet sent with `error` (the Writer is closing for good). */
  abandonWaiting(error: Error, report: AbandonBatch): void {
    for (const queue of this.queues.values()) {
      clearTimeout(queue.timer);
      queue.timer = undefined;
      this.timedOut.delete(queue);
      const entries = queue.waiting.splice(0);
      queue.waitingBytes = 0;
      if (entries.length > 0) {
        report(entries, error, queue.partition);
        this.settle(
          entries,
          entries.map(() => error),
        );
      }
    }
  }

  private queueFor(topic: string, partition: number): PartitionQueue {
    const key = `${topic}\u0000${partition}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { topic, partition, waiting: [], waitingBytes: 0, inFlight: [], timer: undefined };
      this.queues.set(key, queue);
    }
    return queue;
  }

  private isReady(queue: PartitionQueue): boolean {
    return (
      this.urgent > 0 ||
      (this.timedOut.has(queue) && queue.inFlight.length === 0) ||
      queue.waiting.length >= this.limits.batchSize ||
      queue.waitingBytes >= this.limits.batchBytes ||
      // A full buffer does not wait for batchTimeoutMs, but a partition with a batch in flight
      // keeps gathering until it settles (and schedules this queue again): sending every partial
      // batch at once under sustained load made many small requests, twice the broker's CPU per
      // message of whole batches (bench/README.md).
      (this.capacityWaiters.length > 0 && queue.inFlight.length === 0)
    );
  }

  private schedule(queue: PartitionQueue): void {
    if (!this.hasRoom(queue) || queue.waiting.length === 0) return;
    if (this.isReady(queue)) {
      clearTimeout(queue.timer);
      queue.timer = undefined;
      void this.sendNext(queue);
    } else if (!queue.timer && !this.timedOut.has(queue)) {
      queue.timer = setTimeout(() => {
        queue.timer = undefined;
        // A partial batch goes out when the partition has nothing in flight; one behind a batch
        // in flight gathers until that one settles (and schedules this queue again). Kafka handles
        // one request per connection at a time, so sending it sooner only splits it into smaller
        // requests queued behind the first: measured slower on the cross-AZ cluster, with five
        // in flight, than with one.
        if (queue.inFlight.length === 0) void this.sendNext(queue);
        else this.timedOut.add(queue);
      }, this.limits.batchTimeoutMs);
    }
  }

  private hasRoom(queue: PartitionQueue): boolean {
    return queue.inFlight.length < this.limits.maxInFlightPerPartition;
  }

  private async sendNext(queue: PartitionQueue): Promise<void> {
    // Counted first, then taken in one splice: a shift() per message moved the whole queue each
    // time (6 % of an async Writer's CPU in calls of 100, by profile).
    const { waiting } = queue;
    let count = 0;
    let bytes = 0;
    while (count < waiting.length && count < this.limits.batchSize) {
      const size = (waiting[count] as BufferedEntry).resolved.size;
      if (count > 0 && bytes + size > this.limits.batchBytes) break;
      bytes += size;
      count++;
    }
    if (count === 0) return;
    const batch = waiting.splice(0, count);
    this.timedOut.delete(queue);
    queue.waitingBytes -= bytes;
    queue.inFlight.push(batch);
    let sending: Promise<ReadonlyArray<Error | undefined>>;
    try {
      sending = this.send(queue.topic, queue.partition, batch);
    } catch (failure) {
      sending = Promise.reject(failure);
    }
    // Only once this batch is handed over: the next one, if ready already (a full buffer, a
    // flush), goes right behind it.
    this.schedule(queue);
    let errors: ReadonlyArray<Error | undefined>;
    try {
      errors = await sending;
    } catch (failure) {
      errors = batch.map(() => failure as Error);
    }
    queue.inFlight.splice(queue.inFlight.indexOf(batch), 1);
    this.settle(batch, errors);
    this.schedule(queue);
  }

  private settle(entries: BufferedEntry[], errors: ReadonlyArray<Error | undefined>): void {
    let bytes = 0;
    for (const entry of entries) bytes += entry.resolved.size;
    this.bufferedMessages -= entries.length;
    this.bufferedBytes -= bytes;
    for (const waiter of this.flushWaiters) {
      entries.forEach((entry, i) => {
        if (entry.seq > waiter.limitSeq) return;
        waiter.remaining--;
        const error = errors[i];
        if (error) waiter.failures.push({ message: entry.message, error });
      });
      if (waiter.remaining <= 0) waiter.done();
    }
    this.grantCapacity();
  }

  private reserve(count: number, bytes: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.capacityWaiters.length === 0 && this.fits(count, bytes)) {
      this.take(count, bytes);
      return Promise.resolve();
    }
    if (signal?.aborted) return Promise.reject(abortedError(signal, false));
    return new Promise<void>((resolve, reject) => {
      const waiter: CapacityWaiter = {
        count,
        bytes,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const index = this.capacityWaiters.indexOf(waiter);
        if (index >= 0) this.capacityWaiters.splice(index, 1);
        reject(abortedError(signal, false));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.capacityWaiters.push(waiter);
      // A full buffer sends partial batches at once rather than waiting for batchTimeoutMs.
      for (const queue of this.queues.values()) this.schedule(queue);
    });
  }

  private fits(count: number, bytes: number): boolean {
    if (this.bufferedMessages === 0) return true;
    return (
      this.bufferedMessages + count <= this.limits.maxBufferedMessages &&
      this.bufferedBytes + bytes <= this.limits.maxBufferedBytes
    );
  }

  private take(count: number, bytes: number): void {
    this.bufferedMessages += count;
    this.bufferedBytes += bytes;
  }

  private grantCapacity(): void {
    while (this.capacityWaiters.length > 0) {
      const next = this.capacityWaiters[0] as CapacityWaiter;
      if (!this.fits(next.count, next.bytes)) return;
      this.capacityWaiters.shift();
      this.take(next.count, next.bytes);
      next.grant();
    }
  }
}

function untilSettledOrAborted(settled: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return settled;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    settled.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
