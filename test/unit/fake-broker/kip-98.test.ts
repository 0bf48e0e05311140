import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  ERROR_CODES,
  type FakeKafkaCluster,
  type FakeKafkaClusterOptions,
  MAX_SEQUENCE,
  startFakeKafkaCluster,
} from '../../support/fake-broker/index.ts';
import {
  type KafkaJsCluster,
  kafkaJsCluster,
  messages,
  produceOne,
  produceRaw,
} from './kafkajs-cluster-client.ts';

const PID = 4242;

/** A fake and a connected kafkajs Cluster that knows the topic `events`. */
async function setup(
  options: FakeKafkaClusterOptions = {},
): Promise<{ fake: FakeKafkaCluster; cluster: KafkaJsCluster }> {
  const fake = await startFakeKafkaCluster({ topics: { events: 2 }, ...options });
  onTestFinished(() => fake.stop());
  const cluster = kafkaJsCluster(fake.brokers);
  onTestFinished(() => cluster.disconnect());
  await cluster.connect();
  await cluster.addMultipleTargetTopics(['events']);
  return { fake, cluster };
}

/** One batch of `count` records to events/0 at node 1, its messages fixed by its sequence so a re-send is byte-identical. */
function send(
  cluster: KafkaJsCluster,
  firstSequence: number,
  options: { epoch?: number; count?: number; pid?: number } = {},
) {
  return produceOne(cluster, 1, {
    topic: 'events',
    partition: 0,
    producerId: options.pid ?? PID,
    producerEpoch: options.epoch ?? 0,
    firstSequence,
    messages: messages(options.count ?? 1, 'm', firstSequence),
  });
}

const sequences = (fake: FakeKafkaCluster) => fake.records('events', 0).map((r) => r.sequence);

describe('FakeKafkaCluster: idempotent producer rules (KIP-98) over the wire', () => {
  it('answers a re-sent batch with its original offset and appends it once', async () => {
    const { fake, cluster } = await setup();
    expect(await send(cluster, 0, { count: 3 })).toMatchObject({ errorCode: 0, baseOffset: '0' });
    expect(await send(cluster, 3, { count: 2 })).toMatchObject({ errorCode: 0, baseOffset: '3' });

    const again = await send(cluster, 0, { count: 3 });

    expect(again).toMatchObject({ errorCode: 0, baseOffset: '0' });
    expect(sequences(fake)).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses a sequence gap as OUT_OF_ORDER_SEQUENCE_NUMBER and appends nothing', async () => {
    const { fake, cluster } = await setup();
    await send(cluster, 0);

    expect(await send(cluster, 2)).toMatchObject({
      errorCode: ERROR_CODES.OUT_OF_ORDER_SEQUENCE_NUMBER,
      baseOffset: '-1',
    });
    expect(sequences(fake)).toEqual([0]);
    expect(await send(cluster, 1)).toMatchObject({ errorCode: 0, baseOffset: '1' });
  });

  it('refuses a lower epoch as INVALID_PRODUCER_EPOCH', async () => {
    const { fake, cluster } = await setup();
    await send(cluster, 0, { epoch: 1 });

    expect(await send(cluster, 1, { epoch: 0 })).toMatchObject({
      errorCode: ERROR_CODES.INVALID_PRODUCER_EPOCH,
    });
    expect(sequences(fake)).toEqual([0]);
  });

  it('accepts a higher epoch only from sequence 0', async () => {
    const { fake, cluster } = await setup();
    await send(cluster, 0, { count: 2 });

    expect(await send(cluster, 2, { epoch: 1 })).toMatchObject({
      errorCode: ERROR_CODES.OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
    expect(await send(cluster, 0, { epoch: 1 })).toMatchObject({ errorCode: 0, baseOffset: '2' });
    expect(fake.records('events', 0).map((r) => [r.epoch, r.sequence])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
  });

  it('refuses a non-zero first sequence from an unknown producer id as UNKNOWN_PRODUCER_ID', async () => {
    const { fake, cluster } = await setup();
    expect(await send(cluster, 5)).toMatchObject({ errorCode: ERROR_CODES.UNKNOWN_PRODUCER_ID });

    await send(cluster, 0);
    fake.forgetProducer('events', 0, PID);
    expect(await send(cluster, 1)).toMatchObject({ errorCode: ERROR_CODES.UNKNOWN_PRODUCER_ID });
  });

  it("takes any first sequence from an unknown producer id under unknownProducerId: 'accept' (Kafka 2.5+)", async () => {
    const { fake, cluster } = await setup({ unknownProducerId: 'accept' });
    expect(await send(cluster, 5)).toMatchObject({ errorCode: 0, baseOffset: '0' });
    expect(sequences(fake)).toEqual([5]);
  });

  it('wraps sequences from INT32_MAX to 0', async () => {
    const { fake, cluster } = await setup({ unknownProducerId: 'accept' });
    await send(cluster, MAX_SEQUENCE - 1, { count: 3 });

    expect(await send(cluster, 1)).toMatchObject({ errorCode: 0, baseOffset: '3' });
    expect(await send(cluster, MAX_SEQUENCE - 1, { count: 3 })).toMatchObject({
      errorCode: 0,
      baseOffset: '0',
    });
    expect(sequences(fake)).toEqual([MAX_SEQUENCE - 1, MAX_SEQUENCE, 0, 1]);
  });

  it('appends every batch of producer id -1, duplicates included', async () => {
    const { fake, cluster } = await setup();
    await send(cluster, 0, { pid: -1 });
    await send(cluster, 0, { pid: -1 });
    expect(fake.records('events', 0).map((r) => [r.producerId, r.offset])).toEqual([
      [-1, 0],
      [-1, 1],
    ]);
  });

  it('keeps producer state per partition and judges the partitions of one request apart', async () => {
    const { fake, cluster } = await setup();
    const answers = await produceRaw(cluster, 1, {
      producerId: PID,
      producerEpoch: 0,
      batches: [
        { topic: 'events', partition: 0, firstSequence: 0, messages: messages(2) },
        { topic: 'events', partition: 1, firstSequence: 2, messages: messages(1) },
      ],
    });

    expect(answers).toMatchObject([
      { partition: 0, errorCode: 0, baseOffset: '0' },
      { partition: 1, errorCode: ERROR_CODES.UNKNOWN_PRODUCER_ID },
    ]);
    expect(fake.producerState('events', 0, PID)).toEqual({
      epoch: 0,
      batches: [{ firstSeq: 0, lastSeq: 1, baseOffset: 0, lastOffset: 1 }],
    });
    expect(fake.producerState('events', 1, PID)).toBeUndefined();
  });

  it('refuses a partition at a node that does not lead it as NOT_LEADER_OR_FOLLOWER', async () => {
    const { fake, cluster } = await setup({ nodes: 2 });
    expect(fake.leaderOf('events', 1)).toBe(2);
    const [answer] = await produceRaw(cluster, 1, {
      producerId: PID,
      producerEpoch: 0,
      batches: [{ topic: 'events', partition: 1, firstSequence: 0, messages: messages(1) }],
    });
    expect(answer).toMatchObject({ errorCode: ERROR_CODES.NOT_LEADER_OR_FOLLOWER });
    expect(fake.records('events', 1)).toEqual([]);
  });

  it('keeps producer state across a leadership move, as Kafka replicates it', async () => {
    const { fake, cluster } = await setup({ nodes: 2 });
    await send(cluster, 0);
    fake.setLeader('events', 0, 2);

    const retry = await produceRaw(cluster, 2, {
      producerId: PID,
      producerEpoch: 0,
      batches: [{ topic: 'events', partition: 0, firstSequence: 0, messages: messages(1, 'm', 0) }],
    });

    expect(retry).toMatchObject([{ errorCode: 0, baseOffset: '0' }]);
    expect(sequences(fake)).toEqual([0]);
  });

  it('refuses an unknown topic or partition as UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const { cluster } = await setup();
    const answers = await produceRaw(cluster, 1, {
      producerId: -1,
      producerEpoch: -1,
      batches: [
        { topic: 'events', partition: 9, firstSequence: 0, messages: messages(1) },
        { topic: 'missing', partition: 0, firstSequence: 0, messages: messages(1) },
      ],
    });
    expect(answers.map((a) => a.errorCode)).toEqual([
      ERROR_CODES.UNKNOWN_TOPIC_OR_PARTITION,
      ERROR_CODES.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
  });

  it('appends but never answers a request with acks=0', async () => {
    const { fake, cluster } = await setup();
    const answers = await produceRaw(cluster, 1, {
      producerId: PID,
      producerEpoch: 0,
      acks: 0,
      batches: [{ topic: 'events', partition: 0, firstSequence: 0, messages: messages(1) }],
    });
    expect(answers).toEqual([]);
    await vi.waitFor(() => expect(sequences(fake)).toEqual([0]));
  });
});
