import { describe, expect, it } from 'vitest';
import { fnv1a32, Hash, NoPartitionsError, ReferenceHash } from '../../../lib/balancers/index.ts';
import { KAFKA_GO_VECTORS } from './kafka-go-vectors.ts';
import { message, partitionIds } from './message.ts';

describe('Hash', () => {
  it.each(KAFKA_GO_VECTORS)(
    'places key "$key" on $partitions partitions at $hash, as kafka-go’s Hash does',
    (vector) => {
      expect(new Hash().balance(message(vector.key), partitionIds(vector.partitions))).toBe(vector.hash);
    },
  );

  it.each([3, 7, 12, 32, 1000])(
    'computes abs(int32(fnv1a(key)) mod n) for a negative int32 hash, n = %i',
    (n) => {
      const hash = fnv1a32(Buffer.from('foobar'));
      expect(hash | 0).toBeLessThan(0);
      expect(new Hash().balance(message('foobar'), partitionIds(n))).toBe(Math.abs((hash | 0) % n));
    },
  );

  it('disagrees with ReferenceHash where the int32 hash is negative', () => {
    const partitions = partitionIds(7);
    expect(new Hash().balance(message('a'), partitions)).toBe(6);
    expect(new ReferenceHash().balance(message('a'), partitions)).toBe(3);
  });

  it('sends nil keys round robin, like kafka-go’s Hash', () => {
    const hash = new Hash();
    const placed = Array.from({ length: 7 }, () => hash.balance(message(null), partitionIds(3)));
    expect(placed).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it('hashes an empty key like any other key (it is not the nil key)', () => {
    const hash = new Hash();
    const placed = Array.from({ length: 5 }, () => hash.balance(message(Buffer.alloc(0)), partitionIds(7)));
    expect(placed).toEqual([2, 2, 2, 2, 2]);
  });

  it('keeps a keyed message on its partition whatever came before', () => {
    const hash = new Hash();
    hash.balance(message(null), partitionIds(7));
    hash.balance(message('other'), partitionIds(7));
    expect(hash.balance(message('Key-A'), partitionIds(7))).toBe(1);
  });

  it('uses a custom hasher when given one, as kafka-go’s Hasher field', () => {
    const hash = new Hash({ hasher: (key) => key.length });
    expect(hash.balance(message('abcde'), partitionIds(3))).toBe(2);
  });

  it('rejects an empty partition list with a retriable NoPartitionsError', () => {
    expect(() => new Hash().balance(message('a'), [])).toThrow(NoPartitionsError);
    expect(() => new Hash().balance(message(null), [])).toThrow(NoPartitionsError);
  });
});
