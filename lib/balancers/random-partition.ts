import { NoPartitionsError } from './errors.ts';

/** A source of uniform numbers in [0, 1), like `Math.random`; tests pass a seeded one. */
export type RandomSource = () => number;

/**
 * Picks one of `partitions` uniformly: what kafka-go's keyless fallbacks (`ReferenceHash`,
 * `CRC32Balancer`, `Murmur2Balancer`) and librdkafka's `*_random` partitioners do.
 */
export function randomPartition(topic: string, partitions: readonly number[], random: RandomSource): number {
  const count = partitions.length;
  if (count === 0) throw new NoPartitionsError(topic);
  // min() guards a source that returns exactly 1.
  return partitions[Math.min(Math.floor(random() * count), count - 1)] as number;
}
