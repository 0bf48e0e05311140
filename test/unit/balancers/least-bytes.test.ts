import { describe, expect, it } from 'vitest';
import { LeastBytes, NoPartitionsError } from '../../../lib/balancers/index.ts';
import { seededRandom } from '../../support/peers/parity-keys.ts';
import { message, partitionIds } from './message.ts';

describe('LeastBytes', () => {
  it('sends each message to the partition with the fewest bytes so far, ties to the lowest id', () => {
    const balancer = new LeastBytes();
    const sizes = [10, 1, 1, 1, 1, 8, 5];
    const placed = sizes.map((size) => balancer.balance(message(null, { size }), partitionIds(3)));
    // bytes after each step: [10,0,0] [10,1,0] [10,1,1] [10,2,1] [10,2,2] [10,10,2] [10,10,7]
    expect(placed).toEqual([0, 1, 2, 1, 2, 1, 2]);
  });

  it('counts message.size, which includes header bytes', () => {
    const balancer = new LeastBytes();
    balancer.balance(message('k', { size: 100 }), partitionIds(2));
    expect(balancer.balance(message('k', { size: 1 }), partitionIds(2))).toBe(1);
    expect(balancer.balance(message('k', { size: 1 }), partitionIds(2))).toBe(1);
  });

  it.each([3, 7, 12, 32])('keeps %i partitions within one message of each other in bytes', (count) => {
    const random = seededRandom(count);
    const balancer = new LeastBytes();
    const bytes = new Array<number>(count).fill(0);
    let largest = 0;
    for (let i = 0; i < 10_000; i++) {
      const size = 1 + Math.floor(random() * 1000);
      largest = Math.max(largest, size);
      const partition = balancer.balance(message(null, { size }), partitionIds(count));
      bytes[partition] = (bytes[partition] ?? 0) + size;
    }
    expect(Math.min(...bytes)).toBeGreaterThan(0);
    expect(Math.max(...bytes) - Math.min(...bytes)).toBeLessThanOrEqual(largest);
  });

  it('starts counting afresh when the partition count changes, as kafka-go does', () => {
    const balancer = new LeastBytes();
    balancer.balance(message(null, { size: 100 }), partitionIds(2));
    expect(balancer.balance(message(null, { size: 1 }), partitionIds(3))).toBe(0);
  });

  it('counts per topic', () => {
    const balancer = new LeastBytes();
    balancer.balance(message(null, { topic: 'a', size: 100 }), partitionIds(2));
    expect(balancer.balance(message(null, { topic: 'b', size: 1 }), partitionIds(2))).toBe(0);
    expect(balancer.balance(message(null, { topic: 'a', size: 1 }), partitionIds(2))).toBe(1);
  });

  it('returns ids from the given list, lowest id first', () => {
    const balancer = new LeastBytes();
    const placed = [1, 1, 1].map((size) => balancer.balance(message(null, { size }), [9, 4, 6]));
    expect(placed).toEqual([4, 6, 9]);
  });

  it('rejects an empty partition list with a retriable NoPartitionsError', () => {
    expect(() => new LeastBytes().balance(message(null), [])).toThrow(NoPartitionsError);
  });
});
