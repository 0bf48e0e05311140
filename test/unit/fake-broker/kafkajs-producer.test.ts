import { Kafka, logLevel, type Producer } from 'kafkajs';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  ERROR_CODES,
  type FakeKafkaCluster,
  type FakeKafkaClusterOptions,
  startFakeKafkaCluster,
} from '../../support/fake-broker/index.ts';

async function startFake(options: FakeKafkaClusterOptions): Promise<FakeKafkaCluster> {
  const fake = await startFakeKafkaCluster(options);
  onTestFinished(() => fake.stop());
  return fake;
}

/** kafkajs' own public producer against the fake; retries bounded so a failing test ends. */
async function connectProducer(fake: FakeKafkaCluster, idempotent = true): Promise<Producer> {
  const kafka = new Kafka({ brokers: fake.brokers, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    idempotent,
    maxInFlightRequests: 1,
    retry: { retries: 3, initialRetryTime: 10, maxRetryTime: 50 },
  });
  await producer.connect();
  onTestFinished(() => producer.disconnect());
  return producer;
}

const values = (fake: FakeKafkaCluster, topic: string, partition: number) =>
  fake.records(topic, partition).map((r) => r.value?.toString());

describe('FakeKafkaCluster with the kafkajs producer', () => {
  it('lands idempotent sends in order with increasing sequences under one producer id', async () => {
    const fake = await startFake({ nodes: 3, topics: { events: 3 } });
    const producer = await connectProducer(fake);

    for (const round of [0, 1, 2]) {
      await producer.send({
        topic: 'events',
        messages: [0, 1].map((i) => ({ partition: 1, value: `v${round * 2 + i}` })),
      });
    }

    const records = fake.records('events', 1);
    expect(records.map((r) => r.value?.toString())).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    expect(records.map((r) => [r.offset, r.sequence])).toEqual([0, 1, 2, 3, 4, 5].map((n) => [n, n]));
    expect(new Set(records.map((r) => `${r.producerId}/${r.epoch}`))).toEqual(new Set(['1000/0']));
    expect(fake.requestCount('Produce', fake.leaderOf('events', 1))).toBe(3);
  });

  it('returns keys, values, headers and timestamps as they were sent', async () => {
    const fake = await startFake({ topics: { events: 1 } });
    const producer = await connectProducer(fake);

    await producer.send({
      topic: 'events',
      messages: [
        { key: 'k1', value: 'hello', headers: { trace: 'abc' }, timestamp: '1700000000123' },
        { key: null, value: null },
      ],
    });

    const [first, second] = fake.records('events', 0);
    expect(first).toMatchObject({ offset: 0, timestamp: 1_700_000_000_123, decoded: true });
    expect(first?.key?.toString()).toBe('k1');
    expect(first?.value?.toString()).toBe('hello');
    expect(first?.headers.map((h) => [h.key, h.value?.toString()])).toEqual([['trace', 'abc']]);
    expect(second).toMatchObject({ offset: 1, key: null, value: null, headers: [] });
  });

  it.each([
    ['NOT_LEADER_OR_FOLLOWER', ERROR_CODES.NOT_LEADER_OR_FOLLOWER],
    ['REQUEST_TIMED_OUT', ERROR_CODES.REQUEST_TIMED_OUT],
    ['NOT_ENOUGH_REPLICAS_AFTER_APPEND', ERROR_CODES.NOT_ENOUGH_REPLICAS_AFTER_APPEND],
  ])('keeps one copy when the leader appends, answers %s and kafkajs retries', async (_, code) => {
    const fake = await startFake({ topics: { events: 1 } });
    let landedBeforeRetry: Array<string | undefined> = [];
    fake.onProduce(({ attempt }) => {
      if (attempt === 1) return { appendThenError: code };
      landedBeforeRetry = values(fake, 'events', 0);
      return 'append';
    });
    const producer = await connectProducer(fake);

    const [result] = await producer.send({ topic: 'events', messages: [{ value: 'a' }, { value: 'b' }] });

    expect(landedBeforeRetry).toEqual(['a', 'b']);
    expect(values(fake, 'events', 0)).toEqual(['a', 'b']);
    expect(fake.requestCount('Produce')).toBe(2);
    expect(result).toMatchObject({ errorCode: 0, baseOffset: '0' });
  });

  it('keeps one copy when the connection closes after the append and kafkajs retries', async () => {
    const fake = await startFake({ topics: { events: 1 } });
    fake.onProduce(({ attempt }) => (attempt === 1 ? { closeConnection: true, append: true } : 'append'));
    const producer = await connectProducer(fake);

    await producer.send({ topic: 'events', messages: [{ value: 'a' }] });
    await producer.send({ topic: 'events', messages: [{ value: 'b' }] });

    expect(values(fake, 'events', 0)).toEqual(['a', 'b']);
    // Each send's first attempt landed and was cut off; each retry was recognised.
    expect(fake.requestCount('Produce')).toBe(4);
    expect(fake.records('events', 0).map((r) => r.sequence)).toEqual([0, 1]);
  });

  it('writes a second copy for a producer that is not idempotent (no sequence to recognise it by)', async () => {
    const fake = await startFake({ topics: { events: 1 } });
    fake.onProduce(({ attempt }) =>
      attempt === 1 ? { appendThenError: ERROR_CODES.NOT_LEADER_OR_FOLLOWER } : 'append',
    );
    const producer = await connectProducer(fake, false);

    await producer.send({ topic: 'events', messages: [{ value: 'a', timestamp: '1700000000000' }] });

    expect(values(fake, 'events', 0)).toEqual(['a', 'a']);
    expect(fake.records('events', 0).map((r) => [r.producerId, r.sequence])).toEqual([
      [-1, -1],
      [-1, -1],
    ]);
  });

  it('follows a leadership move: the old leader refuses, kafkajs refreshes metadata and sends to the new one', async () => {
    const fake = await startFake({ nodes: 3, topics: { events: 1 } });
    const producer = await connectProducer(fake);
    await producer.send({ topic: 'events', messages: [{ value: 'a' }] });

    fake.setLeader('events', 0, 2);
    await producer.send({ topic: 'events', messages: [{ value: 'b' }] });

    expect(values(fake, 'events', 0)).toEqual(['a', 'b']);
    expect(fake.records('events', 0).map((r) => r.sequence)).toEqual([0, 1]);
    expect(fake.requestCount('Produce', 1)).toBe(2);
    expect(fake.requestCount('Produce', 2)).toBe(1);
  });

  it('lets kafkajs retry an InitProducerId answered with an error once', async () => {
    const fake = await startFake({ topics: { events: 1 } });
    fake.onInitProducerId(({ attempt }) =>
      attempt === 1 ? { errorCode: ERROR_CODES.COORDINATOR_NOT_AVAILABLE } : 'answer',
    );
    const producer = await connectProducer(fake);

    await producer.send({ topic: 'events', messages: [{ value: 'a' }] });

    expect(fake.requestCount('InitProducerId')).toBe(2);
    // The refused call took no id: the first one handed out is the first one used.
    expect(fake.records('events', 0)[0]?.producerId).toBe(1000);
  });
});
