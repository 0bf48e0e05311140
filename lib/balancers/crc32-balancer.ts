import { crc32 } from 'node:zlib';
import type { Balancer } from './balancer.ts';
import { NoPartitionsError } from './errors.ts';
import { type RandomSource, randomPartition } from './random-partition.ts';
import type { BalancerMessage } from './types.ts';

const EMPTY = new Uint8Array(0);

/** Options of {@link CRC32Balancer}. */
export interface CRC32BalancerOptions {
  /**
   * Hash nil and empty keys too (librdkafka `consistent`) instead of spreading them randomly
   * (librdkafka `consistent_random`). Every keyless message then lands on one partition.
   * @default false
   */
  consistent?: boolean;
  /**
   * Where keyless messages get their random partition.
   * @default Math.random
   */
  random?: RandomSource;
}

/**
 * Places a keyed message at `crc32(key) % n`: librdkafka's `consistent_random` (kafka-go's `CRC32Balancer`).
 *
 * Why: co-partitions keys with librdkafka-based producers (confluent-kafka-go, -python,
 * -dotnet, kcat) left at librdkafka's default partitioner. Like librdkafka, and unlike the
 * murmur2 family, a nil key and an empty key are the same here: both are "no key" and get a
 * random partition unless `consistent` is set. The CRC is IEEE 802.3, zlib's.
 */
export class CRC32Balancer implements Balancer {
  readonly consistent: boolean;
  private readonly random: RandomSource;

  constructor(options: CRC32BalancerOptions = {}) {
    this.consistent = options.consistent ?? false;
    this.random = options.random ?? Math.random;
  }

  balance(message: BalancerMessage, partitions: readonly number[]): number {
    const key = message.key ?? EMPTY;
    if (key.length === 0 && !this.consistent) return randomPartition(message.topic, partitions, this.random);
    const count = partitions.length;
    if (count === 0) throw new NoPartitionsError(message.topic);
    return partitions[crc32(key) % count] as number;
  }
}
