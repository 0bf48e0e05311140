import { randomUUID } from 'node:crypto';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type Balancer,
  CRC32Balancer,
  Hash,
  Murmur2Balancer,
  ReferenceHash,
} from '../../lib/balancers/index.ts';
import { javaProducedPartitions } from '../support/peers/java-partitioner.ts';
import { type KafkaGoChoice, kafkaGoPartitions } from '../support/peers/kafka-go-balancers.ts';
import { kcatProducedPartitions, type LibrdkafkaPartitioner } from '../support/peers/kcat-partitions.ts';
import { describeKey, type ParityKey, parityKeys } from '../support/peers/parity-keys.ts';

const KEY_COUNT = 500;
const PARTITION_COUNTS = [1, 3, 7, 12, 32] as const;
const PEER_TIMEOUT_MS = 180_000;

const brokers = inject('kafkaBrokers');
const keys = parityKeys(KEY_COUNT);
const runId = randomUUID().slice(0, 8);

interface Mismatch {
  index: number;
  key: string;
  partitions: number;
  ours: number;
  theirs: number;
}

function partitionIds(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

/** Runs every key through one fresh balancer, in order, as a Writer would. */
function placeAll(balancer: Balancer, count: number, topic: string): number[] {
  const partitions = partitionIds(count);
  return keys.map((key) => balancer.balance({ topic, key, value: null, size: key?.length ?? 0 }, partitions));
}

/** Keys whose partition a peer decides deterministically; the others only have to be valid. */
function comparable(key: ParityKey, rule: 'nil-is-random' | 'nil-and-empty-are-random' | 'all'): boolean {
  if (rule === 'all') return true;
  if (key === null) return false;
  return rule === 'nil-is-random' || key.length > 0;
}

describe('balancer parity with real clients', () => {
  let admin: Admin;

  beforeAll(async () => {
    admin = new Kafka({ clientId: 'balancer-parity', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
  });

  /** One empty topic per partition count; RF 1 with min.insync.replicas 1 so acks=all works. */
  async function createTopics(peer: string): Promise<Map<number, string>> {
    const topics = new Map(PARTITION_COUNTS.map((count) => [count, `parity-${peer}-${runId}-p${count}`]));
    await admin.createTopics({
      waitForLeaders: true,
      topics: [...topics].map(([numPartitions, topic]) => ({
        topic,
        numPartitions,
        replicationFactor: 1,
        configEntries: [{ name: 'min.insync.replicas', value: '1' }],
      })),
    });
    return topics;
  }

  it(
    'Murmur2Balancer places every keyed record where the Java client’s default partitioner does',
    async () => {
      const topics = await createTopics('java');
      const keyed = keys.filter((key): key is Buffer => key !== null);

      const produced = await javaProducedPartitions({ brokers, topics: [...topics.values()], keys: keyed });

      const mismatches: Mismatch[] = [];
      for (const [count, topic] of topics) {
        const partitions = partitionIds(count);
        const balancer = new Murmur2Balancer();
        const theirs = produced.get(topic) ?? [];
        keyed.forEach((key, index) => {
          const ours = balancer.balance({ topic, key, value: null, size: key.length }, partitions);
          if (ours !== theirs[index]) {
            mismatches.push({
              index,
              key: describeKey(key),
              partitions: count,
              ours,
              theirs: theirs[index] ?? -1,
            });
          }
        });
      }
      expect(keyed.length * PARTITION_COUNTS.length).toBeGreaterThan(2000);
      expect(mismatches).toEqual([]);
    },
    PEER_TIMEOUT_MS,
  );

  it.each<{
    name: string;
    partitioner: LibrdkafkaPartitioner;
    make: () => Balancer;
    rule: 'nil-is-random' | 'nil-and-empty-are-random';
  }>([
    {
      name: 'Murmur2Balancer',
      partitioner: 'murmur2_random',
      make: () => new Murmur2Balancer(),
      rule: 'nil-is-random',
    },
    {
      name: 'CRC32Balancer',
      partitioner: 'consistent_random',
      make: () => new CRC32Balancer(),
      rule: 'nil-and-empty-are-random',
    },
  ])(
    '$name places every keyed record where kcat (librdkafka $partitioner) does',
    async ({ partitioner, make, rule }) => {
      const topics = await createTopics(`kcat-${partitioner.replace('_', '-')}`);

      const produced = await Promise.all(
        [...topics].map(async ([count, topic]) => ({
          count,
          topic,
          records: await kcatProducedPartitions({ brokers, topic, keys, partitioner }),
        })),
      );

      const mismatches: Mismatch[] = [];
      let compared = 0;
      for (const { count, topic, records } of produced) {
        const ours = placeAll(make(), count, topic);
        keys.forEach((key, index) => {
          const record = records[index];
          // kcat really sent a nil key as NULL and an empty key as zero bytes, and kept binary keys intact.
          expect(record?.keyLength, `key length of ${describeKey(key)}`).toBe(key === null ? -1 : key.length);
          if (key !== null) expect(record?.key.equals(key), `stored bytes of ${describeKey(key)}`).toBe(true);
          expect(record?.partition).toBeGreaterThanOrEqual(0);
          expect(record?.partition).toBeLessThan(count);
          if (!comparable(key, rule)) return;
          compared++;
          if (ours[index] !== record?.partition) {
            mismatches.push({
              index,
              key: describeKey(key),
              partitions: count,
              ours: ours[index] ?? -1,
              theirs: record?.partition ?? -1,
            });
          }
        });
      }
      expect(compared).toBeGreaterThan(2000);
      expect(mismatches).toEqual([]);
    },
    PEER_TIMEOUT_MS,
  );

  describe('kafka-go’s own balancers', () => {
    let theirs: Map<number, KafkaGoChoice[]>;

    beforeAll(async () => {
      theirs = await kafkaGoPartitions(keys, PARTITION_COUNTS);
    }, PEER_TIMEOUT_MS);

    it.each<{
      name: string;
      field: keyof KafkaGoChoice;
      make: () => Balancer;
      rule: 'all' | 'nil-is-random' | 'nil-and-empty-are-random';
    }>([
      // Hash sends nil keys round robin from a fresh counter: deterministic, so compared too.
      { name: 'Hash', field: 'hash', make: () => new Hash(), rule: 'all' },
      {
        name: 'ReferenceHash',
        field: 'referenceHash',
        make: () => new ReferenceHash(),
        rule: 'nil-is-random',
      },
      {
        name: 'CRC32Balancer',
        field: 'crc32',
        make: () => new CRC32Balancer(),
        rule: 'nil-and-empty-are-random',
      },
      { name: 'Murmur2Balancer', field: 'murmur2', make: () => new Murmur2Balancer(), rule: 'nil-is-random' },
    ])('$name chooses the partition kafka-go’s $name chooses', ({ field, make, rule }) => {
      const mismatches: Mismatch[] = [];
      let compared = 0;
      for (const count of PARTITION_COUNTS) {
        const ours = placeAll(make(), count, 'parity');
        const choices = theirs.get(count) ?? [];
        keys.forEach((key, index) => {
          const expected = choices[index]?.[field] ?? -1;
          expect(expected).toBeGreaterThanOrEqual(0);
          expect(expected).toBeLessThan(count);
          if (!comparable(key, rule)) return;
          compared++;
          if (ours[index] !== expected) {
            mismatches.push({
              index,
              key: describeKey(key),
              partitions: count,
              ours: ours[index] ?? -1,
              theirs: expected,
            });
          }
        });
      }
      expect(compared).toBeGreaterThan(2000);
      expect(mismatches).toEqual([]);
    });
  });
});
