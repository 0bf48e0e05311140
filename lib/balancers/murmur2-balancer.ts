import type { Balancer } from './balancer.ts';
import { NoPartitionsError } from './errors.ts';
import { murmur2 } from './murmur2.ts';
import { type RandomSource, randomPartition } from './random-partition.ts';
import type { BalancerMessage } from './types.ts';

const EMPTY = new Uint8Array(0);

/** Options of {@link Murmur2Balancer}. */
export interface Murmur2BalancerOptions {
  /**
   * Hash nil keys too, as the empty key (librdkafka `murmur2`) instead of spreading them
   * randomly (librdkafka `murmur2_random`). Every nil-key message then lands on one partition.
   * @default false
   */
  consistent?: boolean;
  /**
   * Where nil-key messages get their random partition.
   * @default Math.random
   */
  random?: RandomSource;
}

/**
 * Places a keyed message at `(murmur2(key) & 0x7fffffff) % n`, as the Java client does (kafka-go's `Murmur2Balancer`).
 *
 * Why: this is the partitioning of the Java client's default partitioner, kafkajs's default
 * partitioner and librdkafka's `murmur2_random`, so keyed messages land where most other
 * producers put the same key; it is the Writer's default. A nil key (`null`) gets a random
 * partition (kafka-go and librdkafka; the Java client uses sticky batches, kafkajs round
 * robin), while an empty key is a real key and is hashed, as everywhere in the murmur2 family.
 */
export class Murmur2Balancer implements Balancer {
  readonly consistent: boolean;
  private readonly random: RandomSource;

  constructor(options: Murmur2BalancerOptions = {}) {
    this.consistent = options.consistent ?? false;
    this.random = options.random ?? Math.random;
  }

  balance(message: BalancerMessage, partitions: readonly number[]): number {
    if (message.key == null && !this.consistent)
      return randomPartition(message.topic, partitions, this.random);
    const count = partitions.length;
    if (count === 0) throw new NoPartitionsError(message.topic);
    return partitions[(murmur2(message.key ?? EMPTY) & 0x7fffffff) % count] as number;
  }
}
