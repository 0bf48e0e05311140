import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { Murmur2Balancer } from '../../../lib/balancers/index.ts';
import { KAFKA_GO_VECTORS } from './kafka-go-vectors.ts';
import { fixedRandom, message, partitionIds } from './message.ts';

describe('Murmur2Balancer', () => {
  it.each(KAFKA_GO_VECTORS)(
    'places key "$key" on $partitions partitions at $murmur2, as kafka-go’s Murmur2Balancer does',
    (vector) => {
      expect(new Murmur2Balancer().balance(message(vector.key), partitionIds(vector.partitions))).toBe(
        vector.murmur2,
      );
    },
  );

  it('places the seed document’s keys where the Java client does on three partitions', () => {
    const balancer = new Murmur2Balancer();
    const placed = ['Key-A', 'Key-B', 'Key-C'].map((key) => balancer.balance(message(key), partitionIds(3)));
    // (Utils.murmur2(key) & 0x7fffffff) % 3 from kafka-clients 4.4.0.
    expect(placed).toEqual([1, 2, 0]);
  });

  it('places every keyed message where kafkajs’s default partitioner does', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 1, max: 64 }), (bytes, count) => {
        const key = Buffer.from(bytes);
        const partitionMetadata = partitionIds(count).map((partitionId) => ({
          partitionId,
          leader: 0,
          partitionErrorCode: 0,
          replicas: [0],
          isr: [0],
        }));
        const theirs = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect(new Murmur2Balancer().balance(message(key), partitionIds(count))).toBe(theirs);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives a nil key a random partition, as kafka-go and librdkafka murmur2_random do', () => {
    expect(new Murmur2Balancer({ random: fixedRandom(0) }).balance(message(null), partitionIds(7))).toBe(0);
    expect(new Murmur2Balancer({ random: fixedRandom(0.999) }).balance(message(null), partitionIds(7))).toBe(
      6,
    );
  });

  it('hashes an empty key like any other key (the Java client and librdkafka do too)', () => {
    const balancer = new Murmur2Balancer({ random: fixedRandom(0.999) });
    expect(balancer.balance(message(Buffer.alloc(0)), partitionIds(7))).toBe(2);
  });

  it('hashes a nil key as the empty key when consistent, as librdkafka murmur2 does', () => {
    const balancer = new Murmur2Balancer({ consistent: true, random: fixedRandom(0.999) });
    expect(balancer.balance(message(null), partitionIds(7))).toBe(2);
  });
});
