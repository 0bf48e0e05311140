import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Balancer,
  CRC32Balancer,
  Hash,
  LeastBytes,
  Murmur2Balancer,
  ReferenceHash,
  RoundRobin,
} from '../../../lib/balancers/index.ts';
import { fixedRandom, message, partitionIds } from './message.ts';

// On 7 partitions: the random source always answers the last partition (6); the empty key
// hashes to 2 (Hash), 0 (ReferenceHash), 2 (Murmur2Balancer); a fresh round robin starts at 0.
describe('nil key (null) versus empty key (empty buffer)', () => {
  it.each<{ name: string; make: () => Balancer; nil: number[]; empty: number[] }>([
    { name: 'Hash', make: () => new Hash(), nil: [0, 1, 2], empty: [2, 2, 2] },
    {
      name: 'ReferenceHash',
      make: () => new ReferenceHash({ random: fixedRandom(0.999) }),
      nil: [6, 6, 6],
      empty: [0, 0, 0],
    },
    {
      name: 'CRC32Balancer',
      make: () => new CRC32Balancer({ random: fixedRandom(0.999) }),
      nil: [6, 6, 6],
      empty: [6, 6, 6],
    },
    {
      name: 'Murmur2Balancer',
      make: () => new Murmur2Balancer({ random: fixedRandom(0.999) }),
      nil: [6, 6, 6],
      empty: [2, 2, 2],
    },
    { name: 'RoundRobin', make: () => new RoundRobin(), nil: [0, 1, 2], empty: [0, 1, 2] },
  ])('$name: nil -> $nil, empty -> $empty', ({ make, nil, empty }) => {
    const placeThree = (key: Buffer | null) => {
      const balancer = make();
      return Array.from({ length: 3 }, () => balancer.balance(message(key), partitionIds(7)));
    };
    expect(placeThree(null)).toEqual(nil);
    expect(placeThree(Buffer.alloc(0))).toEqual(empty);
  });
});

describe('every balancer', () => {
  const balancers: [string, () => Balancer][] = [
    ['RoundRobin', () => new RoundRobin({ chunkSize: 3 })],
    ['LeastBytes', () => new LeastBytes()],
    ['Hash', () => new Hash()],
    ['ReferenceHash', () => new ReferenceHash()],
    ['CRC32Balancer', () => new CRC32Balancer()],
    ['Murmur2Balancer', () => new Murmur2Balancer()],
  ];
  const key = fc.option(
    fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
    { nil: null },
  );

  it.each(balancers)('%s always returns one of the given partitions', (_name, make) => {
    fc.assert(
      fc.property(
        fc.array(key, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 100 }),
        (keys, count) => {
          const balancer = make();
          for (const k of keys) {
            const partition = balancer.balance(message(k), partitionIds(count));
            expect(Number.isInteger(partition) && partition >= 0 && partition < count).toBe(true);
          }
        },
      ),
    );
  });

  it.each(balancers.slice(2))('%s keeps a non-empty key on one partition', (_name, make) => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 100 }),
        (bytes, count) => {
          const first = make().balance(message(Buffer.from(bytes)), partitionIds(count));
          const second = make().balance(message(Buffer.from(bytes)), partitionIds(count));
          expect(second).toBe(first);
        },
      ),
    );
  });
});
