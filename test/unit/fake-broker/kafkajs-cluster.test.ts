import { describe, expect, it, onTestFinished } from 'vitest';
import {
  API_KEYS,
  ERROR_CODES,
  type FakeKafkaCluster,
  type FakeKafkaClusterOptions,
  SUPPORTED_VERSIONS,
  startFakeKafkaCluster,
} from '../../support/fake-broker/index.ts';
import {
  type KafkaJsCluster,
  kafkaJsCluster,
  kafkaJsEosManager,
  kafkaJsVersions,
  messages,
  produceRaw,
  sendVersioned,
} from './kafkajs-cluster-client.ts';

async function setup(
  options: FakeKafkaClusterOptions,
): Promise<{ fake: FakeKafkaCluster; cluster: KafkaJsCluster }> {
  const fake = await startFakeKafkaCluster(options);
  onTestFinished(() => fake.stop());
  const cluster = kafkaJsCluster(fake.brokers);
  onTestFinished(() => cluster.disconnect());
  await cluster.connect();
  await cluster.refreshMetadata();
  return { fake, cluster };
}

/** The Kafka error type a kafkajs call failed with (kafkajs wraps retriable ones it gave up on). */
async function protocolErrorType(call: Promise<unknown>): Promise<string | undefined> {
  const error = await call.then(
    () => undefined,
    (e: { type?: string; cause?: { type?: string } }) => e,
  );
  return error?.cause?.type ?? error?.type;
}

const leaders = (cluster: KafkaJsCluster, topic: string) =>
  cluster
    .findTopicPartitionMetadata(topic)
    .sort((a, b) => a.partitionId - b.partitionId)
    .map((p) => p.leader);

describe('FakeKafkaCluster with the kafkajs Cluster client (the Writer transport level)', () => {
  it('advertises exactly the versions it implements, each within what kafkajs implements', async () => {
    const { cluster } = await setup({});
    const broker = await cluster.findBroker({ nodeId: 1 });

    expect(broker.versions).toEqual({
      [API_KEYS.Produce]: { minVersion: 3, maxVersion: 7 },
      [API_KEYS.Metadata]: { minVersion: 0, maxVersion: 6 },
      [API_KEYS.ApiVersions]: { minVersion: 0, maxVersion: 2 },
      [API_KEYS.InitProducerId]: { minVersion: 0, maxVersion: 1 },
    });
    for (const [api, { max }] of Object.entries(SUPPORTED_VERSIONS)) {
      expect(Math.max(...kafkaJsVersions(api as keyof typeof SUPPORTED_VERSIONS))).toBe(max);
    }
  });

  it('names every node, the controller and each partition leader, replicas and isr', async () => {
    const { cluster } = await setup({ nodes: 3, controllerId: 2, topics: { events: 4 } });
    await cluster.addMultipleTargetTopics(['events']);

    expect(leaders(cluster, 'events')).toEqual([1, 2, 3, 1]);
    expect(cluster.findTopicPartitionMetadata('events')[1]).toMatchObject({
      partitionErrorCode: 0,
      replicas: [2, 3, 1],
      isr: [2, 3, 1],
    });
    expect((await cluster.findControllerBroker()).nodeId).toBe(2);
  });

  it('shows a moved leader after a metadata refresh', async () => {
    const { fake, cluster } = await setup({ nodes: 3, topics: { events: 2 } });
    await cluster.addMultipleTargetTopics(['events']);

    fake.setLeader('events', 0, 3);
    await cluster.refreshMetadata();

    expect(leaders(cluster, 'events')).toEqual([3, 2]);
  });

  it.each([
    [
      'a partition error',
      (f: FakeKafkaCluster) => f.setPartitionError('events', 1, 5),
      'LEADER_NOT_AVAILABLE',
    ],
    [
      'a partition without a leader',
      (f: FakeKafkaCluster) => f.setLeader('events', 0, -1),
      'LEADER_NOT_AVAILABLE',
    ],
    ['a topic error', (f: FakeKafkaCluster) => f.setTopicError('events', 29), 'TOPIC_AUTHORIZATION_FAILED'],
    ['a deleted topic', (f: FakeKafkaCluster) => f.deleteTopic('events'), 'UNKNOWN_TOPIC_OR_PARTITION'],
  ])('reports %s in Metadata', async (_, arrange, type) => {
    const { fake, cluster } = await setup({ nodes: 2, topics: { events: 2 } });
    await cluster.addMultipleTargetTopics(['events']);

    arrange(fake);

    expect(await protocolErrorType(cluster.refreshMetadata())).toBe(type);
  });

  it('serves a topic created while clients are connected', async () => {
    const { fake, cluster } = await setup({ nodes: 2 });
    fake.createTopic('late', 3, { leaders: [2, 2, 1], replicationFactor: 1 });

    await cluster.addMultipleTargetTopics(['late']);

    expect(leaders(cluster, 'late')).toEqual([2, 2, 1]);
    expect(cluster.findTopicPartitionMetadata('late')[0]).toMatchObject({ replicas: [2], isr: [2] });
  });

  it('hands out a fresh producer id with epoch 0 on every InitProducerId', async () => {
    const { cluster } = await setup({ firstProducerId: 77 });
    const controller = await cluster.findControllerBroker();

    const first = await controller.initProducerId({ transactionTimeout: 5000 });
    const second = await controller.initProducerId({ transactionTimeout: 5000 });

    expect([first, second]).toMatchObject([
      { producerId: '77', producerEpoch: 0 },
      { producerId: '78', producerEpoch: 0 },
    ]);
  });

  it("serves kafkajs' EOS manager and a produce at the sequences it hands out, as the Writer's transport sends", async () => {
    const { fake, cluster } = await setup({ nodes: 2, controllerId: 2, topics: { events: 1 } });
    await cluster.addMultipleTargetTopics(['events']);
    const eos = kafkaJsEosManager(cluster);
    await eos.initProducerId();

    for (const round of [0, 1]) {
      const [answer] = await produceRaw(cluster, 1, {
        producerId: Number(eos.getProducerId()),
        producerEpoch: eos.getProducerEpoch(),
        batches: [
          {
            topic: 'events',
            partition: 0,
            firstSequence: eos.getSequence('events', 0),
            messages: messages(2),
          },
        ],
      });
      expect(answer).toMatchObject({ errorCode: 0, baseOffset: String(round * 2) });
      eos.updateSequence('events', 0, 2);
    }

    expect(fake.requestCount('InitProducerId', 2)).toBe(1);
    expect(fake.records('events', 0).map((r) => [r.producerId, r.sequence])).toEqual([
      [1000, 0],
      [1000, 1],
      [1000, 2],
      [1000, 3],
    ]);
  });

  it.each(kafkaJsVersions('Metadata'))(
    'answers Metadata v%i in the layout kafkajs decodes',
    async (version) => {
      const { cluster } = await setup({ nodes: 2, controllerId: 2, topics: { events: 2 } });

      const decoded = await sendVersioned(cluster, 1, 'Metadata', version, { topics: ['events', 'missing'] });

      expect(decoded).toMatchObject({
        brokers: [{ nodeId: 1 }, { nodeId: 2 }],
        topicMetadata: [
          { topic: 'events', topicErrorCode: 0, partitionMetadata: [{ leader: 1 }, { leader: 2 }] },
          { topic: 'missing', topicErrorCode: ERROR_CODES.UNKNOWN_TOPIC_OR_PARTITION, partitionMetadata: [] },
        ],
        ...(version >= 1 ? { controllerId: 2 } : {}),
        ...(version >= 2 ? { clusterId: 'fake-kafka-cluster' } : {}),
      });
    },
  );

  it.each(kafkaJsVersions('ApiVersions'))('answers ApiVersions v%i', async (version) => {
    const { cluster } = await setup({});
    const decoded = await sendVersioned(cluster, 1, 'ApiVersions', version);
    expect(decoded).toMatchObject({ errorCode: 0 });
    expect((decoded as { apiVersions: unknown[] }).apiVersions).toHaveLength(4);
  });

  it.each(kafkaJsVersions('InitProducerId'))('answers InitProducerId v%i', async (version) => {
    const { cluster } = await setup({});
    const decoded = await sendVersioned(cluster, 1, 'InitProducerId', version, { transactionTimeout: 1000 });
    expect(decoded).toMatchObject({ errorCode: 0, producerId: '1000', producerEpoch: 0 });
  });

  it.each(kafkaJsVersions('Produce').filter((v) => v >= 3))('answers Produce v%i', async (version) => {
    const { fake, cluster } = await setup({ topics: { events: 1 } });
    const decoded = await sendVersioned(cluster, 1, 'Produce', version, {
      acks: -1,
      timeout: 1000,
      producerId: 1000,
      producerEpoch: 0,
      topicData: [
        { topic: 'events', partitions: [{ partition: 0, firstSequence: 0, messages: messages(2) }] },
      ],
    });

    expect(decoded).toMatchObject({
      topics: [
        {
          topicName: 'events',
          partitions: [
            { partition: 0, errorCode: 0, baseOffset: '0', ...(version >= 5 ? { logStartOffset: '0' } : {}) },
          ],
        },
      ],
    });
    expect(fake.records('events', 0)).toHaveLength(2);
  });

  it('records every request with the version kafkajs negotiated', async () => {
    const { fake, cluster } = await setup({ topics: { events: 1 } });
    await cluster.addMultipleTargetTopics(['events']);
    await produceRaw(cluster, 1, {
      producerId: -1,
      producerEpoch: -1,
      batches: [{ topic: 'events', partition: 0, firstSequence: 0, messages: messages(1) }],
    });

    const versions = Object.fromEntries(fake.requests.map((r) => [r.apiName, r.apiVersion]));
    expect(versions).toEqual({ ApiVersions: 2, Metadata: 6, Produce: 7 });
    expect(fake.requests.every((r) => r.clientId === 'fake-broker-test')).toBe(true);
  });
});
