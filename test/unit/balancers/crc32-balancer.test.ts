import { describe, expect, it } from 'vitest';
import { CRC32Balancer, NoPartitionsError } from '../../../lib/balancers/index.ts';
import { KAFKA_GO_VECTORS } from './kafka-go-vectors.ts';
import { fixedRandom, message, partitionIds } from './message.ts';

describe('CRC32Balancer', () => {
  // CRC-32/ISO-HDLC (IEEE) reference values.
  it.each([
    ['123456789', 0xcbf43926],
    ['a', 0xe8b7be43],
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ])('places %j at crc32 %i modulo the partition count', (key, crc) => {
    for (const n of [1, 3, 7, 12, 32]) {
      expect(new CRC32Balancer().balance(message(key), partitionIds(n))).toBe(crc % n);
    }
  });

  it.each(KAFKA_GO_VECTORS.filter((vector) => vector.crc32 !== null))(
    'places key "$key" on $partitions partitions at $crc32, as kafka-go’s CRC32Balancer does',
    (vector) => {
      expect(new CRC32Balancer().balance(message(vector.key), partitionIds(vector.partitions))).toBe(
        vector.crc32,
      );
    },
  );

  it.each([
    ['a nil key', null],
    ['an empty key', Buffer.alloc(0)],
  ])('gives %s a random partition, as librdkafka consistent_random does', (_name, key) => {
    expect(new CRC32Balancer({ random: fixedRandom(0) }).balance(message(key), partitionIds(7))).toBe(0);
    expect(new CRC32Balancer({ random: fixedRandom(0.999) }).balance(message(key), partitionIds(7))).toBe(6);
  });

  it.each([
    ['a nil key', null],
    ['an empty key', Buffer.alloc(0)],
  ])('hashes %s to crc32("") = 0 when consistent, as librdkafka consistent does', (_name, key) => {
    const balancer = new CRC32Balancer({ consistent: true, random: fixedRandom(0.999) });
    expect(balancer.balance(message(key), partitionIds(7))).toBe(0);
  });

  it('rejects an empty partition list with a retriable NoPartitionsError', () => {
    const error = (() => {
      try {
        new CRC32Balancer().balance(message('a', { topic: 'orders' }), []);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(NoPartitionsError);
    expect(error).toMatchObject({ topic: 'orders', retriable: true });
    expect(() => new CRC32Balancer().balance(message(null), [])).toThrow(NoPartitionsError);
  });
});
