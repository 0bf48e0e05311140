import type { Balancer } from './balancer.ts';
import { NoPartitionsError } from './errors.ts';
import { fnv1a32 } from './fnv1a.ts';
import { RoundRobin } from './round-robin.ts';
import type { BalancerMessage } from './types.ts';

/** A 32-bit hash of a key, returned as an unsigned integer (Go's `hash.Hash32.Sum32`). */
export type KeyHasher = (key: Uint8Array) => number;

/** Options of {@link Hash}. */
export interface HashOptions {
  /**
   * The hash function (kafka-go's `Hasher`).
   * @default fnv1a32
   */
  hasher?: KeyHasher;
}

/**
 * Places a keyed message by an FNV-1a hash of its key, with sarama's arithmetic (kafka-go's `Hash`).
 *
 * Why: co-partitions keys with Go producers that use kafka-go's `Hash` or sarama's default
 * `NewHashPartitioner`. The arithmetic is theirs exactly: the uint32 hash is read as an int32,
 * taken modulo the partition count (the remainder keeps the dividend's sign) and negated when
 * negative, i.e. `abs(int32(fnv1a(key)) % n)`. This is not `& 0x7fffffff` (see
 * {@link ReferenceHash}), so the two disagree on about half of all keys.
 *
 * A nil key (`null`) goes round robin, as in kafka-go; an empty key is hashed like any other.
 * kafka-go returns the computed index itself as the partition; partition ids are 0..n-1 so
 * returning `partitions[index]` is the same number.
 */
export class Hash implements Balancer {
  private readonly hasher: KeyHasher;
  private readonly roundRobin = new RoundRobin();

  constructor(options: HashOptions = {}) {
    this.hasher = options.hasher ?? fnv1a32;
  }

  balance(message: BalancerMessage, partitions: readonly number[]): number {
    if (message.key == null) return this.roundRobin.balance(message, partitions);
    const count = partitions.length;
    if (count === 0) throw new NoPartitionsError(message.topic);
    const remainder = (this.hasher(message.key) | 0) % count;
    return partitions[remainder < 0 ? -remainder : remainder] as number;
  }
}
