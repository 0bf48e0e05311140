import { describe, expect, it } from 'vitest';
import { fnv1a32, ReferenceHash } from '../../../lib/balancers/index.ts';
import { KAFKA_GO_VECTORS } from './kafka-go-vectors.ts';
import { fixedRandom, message, partitionIds } from './message.ts';

describe('ReferenceHash', () => {
  it.each(KAFKA_GO_VECTORS)(
    'places key "$key" on $partitions partitions at $referenceHash, as kafka-go’s ReferenceHash does',
    (vector) => {
      expect(new ReferenceHash().balance(message(vector.key), partitionIds(vector.partitions))).toBe(
        vector.referenceHash,
      );
    },
  );

  it.each([3, 7, 12, 32])(
    'computes (fnv1a(key) & 0x7fffffff) mod n (sarama’s reference partitioner), n = %i',
    (n) => {
      const hash = fnv1a32(Buffer.from('foobar'));
      expect(new ReferenceHash().balance(message('foobar'), partitionIds(n))).toBe((hash & 0x7fffffff) % n);
    },
  );

  it('gives a nil key the random partition, as kafka-go’s ReferenceHash does', () => {
    expect(new ReferenceHash({ random: fixedRandom(0) }).balance(message(null), partitionIds(7))).toBe(0);
    expect(new ReferenceHash({ random: fixedRandom(0.999) }).balance(message(null), partitionIds(7))).toBe(6);
  });

  it('spreads nil keys over every partition with the default random source', () => {
    const balancer = new ReferenceHash();
    const seen = new Set(Array.from({ length: 500 }, () => balancer.balance(message(null), partitionIds(5))));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('hashes an empty key (it is not the nil key)', () => {
    const balancer = new ReferenceHash({ random: fixedRandom(0.999) });
    expect(balancer.balance(message(Buffer.alloc(0)), partitionIds(7))).toBe(0);
  });
});
