import type { Balancer } from './balancer.ts';
import { NoPartitionsError } from './errors.ts';
import { fnv1a32 } from './fnv1a.ts';
import type { KeyHasher } from './hash.ts';
import { type RandomSource, randomPartition } from './random-partition.ts';
import type { BalancerMessage } from './types.ts';

/** Options of {@link ReferenceHash}. */
export interface ReferenceHashOptions {
  /**
   * The hash function (kafka-go's `Hasher`).
   * @default fnv1a32
   */
  hasher?: KeyHasher;
  /**
   * Where nil-key messages get their random partition.
   * @default Math.random
   */
  random?: RandomSource;
}

/**
 * Places a keyed message at `(int32(fnv1a(key)) & 0x7fffffff) % n` (kafka-go's `ReferenceHash`).
 *
 * Why: co-partitions keys with sarama's `NewReferenceHashPartitioner`, the variant that clears
 * the sign bit instead of taking an absolute value (see {@link Hash}). A nil key (`null`) gets
 * a random partition, as kafka-go's `ReferenceHash` does (its `Hash` uses round robin instead);
 * an empty key is hashed like any other.
 */
export class ReferenceHash implements Balancer {
  private readonly hasher: KeyHasher;
  private readonly random: RandomSource;

  constructor(options: ReferenceHashOptions = {}) {
    this.hasher = options.hasher ?? fnv1a32;
    this.random = options.random ?? Math.random;
  }

  balance(message: BalancerMessage, partitions: readonly number[]): number {
    if (message.key == null) return randomPartition(message.topic, partitions, this.random);
    const count = partitions.length;
    if (count === 0) throw new NoPartitionsError(message.topic);
    return partitions[(this.hasher(message.key) & 0x7fffffff) % count] as number;
  }
}
