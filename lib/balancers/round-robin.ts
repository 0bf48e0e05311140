import type { Balancer } from './balancer.ts';
import { NoPartitionsError } from './errors.ts';
import type { BalancerMessage } from './types.ts';

/** Options of {@link RoundRobin}. */
export interface RoundRobinOptions {
  /**
   * Messages sent to one partition before moving to the next; larger chunks make larger
   * batches. An integer; values below 1 mean 1, as in kafka-go.
   * @default 1
   */
  chunkSize?: number;
}

/**
 * Spreads messages evenly over all partitions in turn, `chunkSize` at a time (kafka-go's `RoundRobin`).
 *
 * Why: keyless traffic should load every partition equally. The counter arithmetic is
 * kafka-go's (a uint32 counter; partition = `partitions[(counter / chunkSize) % n]`), with one
 * departure: the counter is kept per topic. kafka-go shares one counter across the topics a
 * Writer writes to, so alternating writes to two topics can pin each topic to half of its
 * partitions; per-topic counters make a single-topic sequence identical to kafka-go's and a
 * multi-topic one still even.
 */
export class RoundRobin implements Balancer {
  /** The resolved chunk size (at least 1). */
  readonly chunkSize: number;
  private readonly counters = new Map<string, number>();

  constructor(options: RoundRobinOptions = {}) {
    const chunkSize = options.chunkSize ?? 1;
    if (!Number.isInteger(chunkSize)) {
      throw new RangeError(`RoundRobin chunkSize must be an integer, got ${chunkSize}`);
    }
    this.chunkSize = Math.max(chunkSize, 1);
  }

  balance(message: BalancerMessage, partitions: readonly number[]): number {
    const count = partitions.length;
    if (count === 0) throw new NoPartitionsError(message.topic);
    const counter = this.counters.get(message.topic) ?? 0;
    // uint32 wrap-around, as kafka-go's counter.
    this.counters.set(message.topic, (counter + 1) >>> 0);
    return partitions[Math.floor(counter / this.chunkSize) % count] as number;
  }
}
