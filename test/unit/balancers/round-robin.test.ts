import { describe, expect, it } from 'vitest';
import { NoPartitionsError, RoundRobin } from '../../../lib/balancers/index.ts';
import { message, partitionIds } from './message.ts';

function place(
  balancer: RoundRobin,
  count: number,
  partitions: readonly number[],
  topic = 'topic-A',
): number[] {
  return Array.from({ length: count }, () => balancer.balance(message(null, { topic }), partitions));
}

describe('RoundRobin', () => {
  it.each([
    { chunkSize: undefined, expected: [0, 1, 2, 0, 1, 2, 0] },
    { chunkSize: 1, expected: [0, 1, 2, 0, 1, 2, 0] },
    { chunkSize: 2, expected: [0, 0, 1, 1, 2, 2, 0] },
    { chunkSize: 3, expected: [0, 0, 0, 1, 1, 1, 2] },
    { chunkSize: 0, expected: [0, 1, 2, 0, 1, 2, 0] },
    { chunkSize: -5, expected: [0, 1, 2, 0, 1, 2, 0] },
  ])(
    'with chunkSize $chunkSize places seven messages on three partitions as $expected',
    ({ chunkSize, expected }) => {
      expect(place(new RoundRobin({ chunkSize }), 7, partitionIds(3))).toEqual(expected);
    },
  );

  it('treats a chunkSize below 1 as 1, as kafka-go does', () => {
    expect(new RoundRobin({ chunkSize: 0 }).chunkSize).toBe(1);
  });

  it('rejects a fractional chunkSize', () => {
    expect(() => new RoundRobin({ chunkSize: 1.5 })).toThrow(/chunkSize must be an integer/);
  });

  it.each([1, 3, 7, 12, 32])('spreads 10 000 messages evenly over %i partitions', (count) => {
    const placed = place(new RoundRobin(), 10_000, partitionIds(count));
    const perPartition = partitionIds(count).map((p) => placed.filter((q) => q === p).length);
    expect(Math.max(...perPartition) - Math.min(...perPartition)).toBeLessThanOrEqual(1);
  });

  it('ignores the key: one key goes to every partition in turn', () => {
    const balancer = new RoundRobin();
    const placed = Array.from({ length: 3 }, () => balancer.balance(message('same'), partitionIds(3)));
    expect(placed).toEqual([0, 1, 2]);
  });

  it('keeps one counter per topic, so alternating topics still use every partition', () => {
    const balancer = new RoundRobin();
    const placed = { a: [] as number[], b: [] as number[] };
    for (let i = 0; i < 4; i++) {
      placed.a.push(balancer.balance(message(null, { topic: 'a' }), partitionIds(2)));
      placed.b.push(balancer.balance(message(null, { topic: 'b' }), partitionIds(2)));
    }
    // kafka-go's shared counter would give a: [0, 0, 0, 0] and b: [1, 1, 1, 1].
    expect(placed).toEqual({ a: [0, 1, 0, 1], b: [0, 1, 0, 1] });
  });

  it('returns ids from the given list', () => {
    expect(place(new RoundRobin(), 4, [3, 5, 9])).toEqual([3, 5, 9, 3]);
  });

  it('rejects an empty partition list with a retriable NoPartitionsError', () => {
    expect(() => new RoundRobin().balance(message(null), [])).toThrow(NoPartitionsError);
  });
});
