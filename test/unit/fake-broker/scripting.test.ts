import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  ERROR_CODES,
  type FakeKafkaCluster,
  type FakeKafkaClusterOptions,
  startFakeKafkaCluster,
} from '../../support/fake-broker/index.ts';
import { gate } from '../../support/gate.ts';
import {
  type KafkaJsCluster,
  kafkaJsCluster,
  messages,
  produceOne,
  sendVersioned,
} from './kafkajs-cluster-client.ts';

async function startFake(options: FakeKafkaClusterOptions = {}): Promise<FakeKafkaCluster> {
  const fake = await startFakeKafkaCluster({ topics: { events: 1 }, ...options });
  onTestFinished(() => fake.stop());
  return fake;
}

async function connect(fake: FakeKafkaCluster, requestTimeoutMs = 5000): Promise<KafkaJsCluster> {
  const cluster = kafkaJsCluster(fake.brokers, { requestTimeoutMs });
  onTestFinished(() => cluster.disconnect());
  await cluster.connect();
  await cluster.addMultipleTargetTopics(['events']);
  return cluster;
}

/** Sequence `seq` of producer 1 to events/0 at `node`, one record whose content depends only on `seq`. */
const send = (cluster: KafkaJsCluster, seq = 0, node = 1) =>
  produceOne(cluster, node, {
    topic: 'events',
    partition: 0,
    producerId: 1,
    producerEpoch: 0,
    firstSequence: seq,
    messages: messages(1, 'm', seq),
  });

/** Whether a promise settled within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = promise.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, sleep(ms).then(() => false)]);
}

const errorName = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (e: Error) => e.name,
  );

describe('FakeKafkaCluster scripting hooks', () => {
  it('holds a batch until the promise settles, then appends and answers', async () => {
    const fake = await startFake();
    const cluster = await connect(fake);
    const { held, release } = gate();
    fake.onProduce(() => ({ hold: held }));

    const answer = send(cluster);
    await vi.waitFor(() => expect(fake.requestCount('Produce')).toBe(1));
    expect(await settlesWithin(answer, 50)).toBe(false);
    expect(fake.records('events', 0)).toEqual([]);

    release();
    expect(await answer).toMatchObject({ errorCode: 0, baseOffset: '0' });
    expect(fake.records('events', 0)).toHaveLength(1);
  });

  it('with appendFirst appends at once, so a retry on another connection meanwhile is a duplicate', async () => {
    const fake = await startFake();
    const slow = await connect(fake);
    const other = await connect(fake);
    const { held, release } = gate();
    fake.onProduce(({ attempt }) => (attempt === 1 ? { hold: held, appendFirst: true } : 'append'));

    const first = send(slow);
    await vi.waitFor(() => expect(fake.records('events', 0)).toHaveLength(1));
    const retry = await send(other);

    expect(retry).toMatchObject({ errorCode: 0, baseOffset: '0' });
    release();
    expect(await first).toMatchObject({ errorCode: 0, baseOffset: '0' });
    expect(fake.records('events', 0)).toHaveLength(1);
  });

  it('answers requests on one connection in order, so a held request holds the next one', async () => {
    const fake = await startFake();
    const cluster = await connect(fake);
    const { held, release } = gate();
    fake.onProduce(() => ({ hold: held }));

    const produce = send(cluster);
    await vi.waitFor(() => expect(fake.requestCount('Produce')).toBe(1));
    const metadata = sendVersioned(cluster, 1, 'Metadata', 6, { topics: ['events'] });

    expect(await settlesWithin(metadata, 100)).toBe(false);
    release();
    await expect(Promise.all([produce, metadata])).resolves.toHaveLength(2);
  });

  it('applies `next` when a hold settles', async () => {
    const fake = await startFake();
    const cluster = await connect(fake);
    fake.onProduce(() => ({ hold: sleep(20), next: { rejectWith: ERROR_CODES.NOT_ENOUGH_REPLICAS } }));

    expect(await send(cluster)).toMatchObject({
      errorCode: ERROR_CODES.NOT_ENOUGH_REPLICAS,
      baseOffset: '-1',
    });
    expect(fake.records('events', 0)).toEqual([]);
  });

  it('answers NOT_LEADER_OR_FOLLOWER for a held batch whose partition moved away meanwhile', async () => {
    const fake = await startFake({ nodes: 2 });
    const cluster = await connect(fake);
    const { held, release } = gate();
    fake.onProduce(() => ({ hold: held }));

    const answer = send(cluster);
    await vi.waitFor(() => expect(fake.requestCount('Produce')).toBe(1));
    fake.setLeader('events', 0, 2);
    release();

    expect(await answer).toMatchObject({ errorCode: ERROR_CODES.NOT_LEADER_OR_FOLLOWER });
    expect(fake.records('events', 0)).toEqual([]);
  });

  it('rejectWith appends nothing and leaves the producer state as it was', async () => {
    const fake = await startFake();
    const cluster = await connect(fake);
    fake.onProduce(({ attempt }) =>
      attempt === 1 ? { rejectWith: ERROR_CODES.NOT_ENOUGH_REPLICAS } : 'append',
    );

    expect(await send(cluster)).toMatchObject({ errorCode: ERROR_CODES.NOT_ENOUGH_REPLICAS });
    expect(fake.producerState('events', 0, 1)).toBeUndefined();
    expect(await send(cluster)).toMatchObject({ errorCode: 0, baseOffset: '0' });
  });

  it('noAnswer leaves the client to time out, with the batch appended when asked', async () => {
    const fake = await startFake();
    const cluster = await connect(fake, 300);
    fake.onProduce(() => ({ noAnswer: true, append: true }));

    expect(await errorName(send(cluster))).toBe('KafkaJSRequestTimeoutError');
    expect(fake.records('events', 0)).toHaveLength(1);
  });

  it('closeConnection destroys the socket instead of answering, appending nothing unless asked', async () => {
    const fake = await startFake();
    const cluster = await connect(fake);
    fake.onProduce(() => ({ closeConnection: true, append: false }));

    expect(await errorName(send(cluster))).toBe('KafkaJSConnectionClosedError');
    expect(fake.records('events', 0)).toEqual([]);
  });

  it('tells the hook which attempt of a batch it sees and what the batch holds', async () => {
    const fake = await startFake();
    const cluster = await connect(fake);
    const seen: unknown[] = [];
    fake.onProduce(({ attempt, producerId, epoch, baseSequence, count, records, node }) => {
      seen.push({
        attempt,
        producerId,
        epoch,
        baseSequence,
        count,
        node,
        value: records?.[0]?.value?.toString(),
      });
      return attempt === 1 ? { appendThenError: ERROR_CODES.REQUEST_TIMED_OUT } : 'append';
    });

    expect(await send(cluster)).toMatchObject({ errorCode: ERROR_CODES.REQUEST_TIMED_OUT });
    expect(await send(cluster)).toMatchObject({ errorCode: 0, baseOffset: '0' });

    const common = { producerId: 1, epoch: 0, baseSequence: 0, count: 1, node: 1, value: 'm0' };
    expect(seen).toEqual([
      { attempt: 1, ...common },
      { attempt: 2, ...common },
    ]);
  });

  it('scripts InitProducerId: an error, a delay, a closed connection', async () => {
    const fake = await startFake();
    const cluster = await connect(fake);
    const controller = await cluster.findControllerBroker();
    fake.onInitProducerId(({ attempt }) => {
      if (attempt === 1) return { errorCode: ERROR_CODES.CLUSTER_AUTHORIZATION_FAILED };
      if (attempt === 2) return { delayMs: 100 };
      return { closeConnection: true };
    });

    expect(await errorName(controller.initProducerId({ transactionTimeout: 1000 }))).toBe(
      'KafkaJSProtocolError',
    );
    const started = Date.now();
    expect(await controller.initProducerId({ transactionTimeout: 1000 })).toMatchObject({
      producerId: '1000',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(await errorName(controller.initProducerId({ transactionTimeout: 1000 }))).toBe(
      'KafkaJSConnectionClosedError',
    );
  });

  it('scripts any API through onRequest: a Metadata request that never answers', async () => {
    const fake = await startFake();
    const cluster = await connect(fake, 300);
    fake.onRequest(({ apiName }) => (apiName === 'Metadata' ? { noAnswer: true } : 'handle'));

    expect(await errorName(sendVersioned(cluster, 1, 'Metadata', 6, { topics: ['events'] }))).toBe(
      'KafkaJSRequestTimeoutError',
    );
  });

  it('stops scripting when the hook is removed', async () => {
    const fake = await startFake();
    const cluster = await connect(fake);
    const remove = fake.onProduce(() => ({ rejectWith: ERROR_CODES.NOT_ENOUGH_REPLICAS }));

    remove();

    expect(await send(cluster)).toMatchObject({ errorCode: 0 });
  });

  it('closes the connection of a request whose hook throws, and keeps the error', async () => {
    const fake = await startFake();
    const cluster = await connect(fake);
    fake.onProduce(() => {
      throw new Error('hook failed');
    });

    expect(await errorName(send(cluster))).toBe('KafkaJSConnectionClosedError');
    expect(fake.errors).toMatchObject([{ message: 'hook failed' }]);
  });

  it('closeConnections drops every client socket of a node', async () => {
    const fake = await startFake();
    const cluster = await connect(fake);
    const { held } = gate();
    fake.onProduce(() => ({ hold: held }));

    const answer = send(cluster);
    await vi.waitFor(() => expect(fake.requestCount('Produce')).toBe(1));
    fake.closeConnections(1);

    expect(await errorName(answer)).toBe('KafkaJSConnectionClosedError');
  });
});
