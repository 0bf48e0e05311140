import type { BalancerMessage } from '../../../lib/balancers/index.ts';

/** A message as a balancer sees it; a string key is UTF-8, `null` is the nil key. */
export function message(
  key: string | Buffer | null,
  options: { topic?: string; size?: number } = {},
): BalancerMessage {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key;
  return {
    topic: options.topic ?? 'topic-A',
    key: bytes,
    value: null,
    size: options.size ?? bytes?.length ?? 0,
  };
}

/** Partition ids 0..count-1, as the Writer passes them. */
export function partitionIds(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

/** A random source that always returns `value`, so "random" partitions are predictable. */
export function fixedRandom(value: number): () => number {
  return () => value;
}
