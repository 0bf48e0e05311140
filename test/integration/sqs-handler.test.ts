import { afterEach, describe, expect, inject, it } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { clearContainerWarmWriter } from '../../lib/lambda/container.ts';
import { createSqsHandler } from '../../lib/lambda/sqs/handler.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { useDedicatedCluster } from '../support/dedicated-cluster.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { sqsHandlerOn } from '../support/sqs-handler.ts';
import { countRecords, createTopic } from '../support/topics.ts';

const brokers = inject('kafkaBrokers');

// Handlers built without a WarmWriter share the container's; each test starts from none.
afterEach(clearContainerWarmWriter);

const handlerFor = (topic: string, extraEnv: Record<string, string> = {}) =>
  sqsHandlerOn(brokers, topic, extraEnv);

describe('SQS bridge on a real broker', () => {
  it('hands back exactly the poisoned record and writes the rest', async () => {
    const topic = await createTopic(brokers, { partitions: 3, config: { 'max.message.bytes': '4000' } });
    const { handler, warmWriter } = handlerFor(topic);
    const records = Array.from({ length: 20 }, (_, i) =>
      sqsRecord(i === 7 ? 'p'.repeat(20_000) : `body-${i}`, { id: `m-${i}` }),
    );

    const response = await handler(sqsEvent(records), lambdaContext() as never);
    await warmWriter.close();

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-7' }]);
    const values = (await consumeWithKcat(brokers, topic, { count: 19 }))
      .map((r) => r.value?.toString())
      .sort();
    expect(values).toEqual(
      records
        .filter((_, i) => i !== 7)
        .map((r) => r.body)
        .sort(),
    );
  });

  it('hands back every record when the broker cannot be reached', async () => {
    const env = {
      KAFKA_BROKERS: '127.0.0.1:1',
      KAFKA_TOPIC: 'unreachable',
      KAFKA_MAX_ATTEMPTS: '2',
      KAFKA_CONNECT_TIMEOUT_MS: '300',
    };
    const handler = createSqsHandler({ env });
    const records = ['a', 'b', 'c'].map((id) => sqsRecord(id, { id }));

    const response = await handler(sqsEvent(records), lambdaContext(5000) as never);

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['a', 'b', 'c']);
  });

  it('keeps FIFO groups in order and hands back the rest of a group after its first failure', async () => {
    const topic = await createTopic(brokers, { partitions: 3, config: { 'max.message.bytes': '4000' } });
    const { handler, warmWriter } = handlerFor(topic);
    const records = [];
    for (let i = 0; i < 5; i++) {
      for (const group of ['A', 'B', 'C']) {
        const body = group === 'B' && i === 2 ? 'p'.repeat(20_000) : `${group}${i}`;
        records.push(sqsRecord(body, { id: `${group}${i}`, fifo: true, groupId: group }));
      }
    }

    const response = await handler(sqsEvent(records), lambdaContext() as never);
    await warmWriter.close();

    // B2 and the rest of group B come back; so may later records of groups that share B's
    // partition (the Writer sends nothing of a FIFO partition after a refused record).
    const handedBack = response.batchItemFailures.map((f) => f.itemIdentifier);
    expect(handedBack).toEqual(expect.arrayContaining(['B2', 'B3', 'B4']));
    const consumed = await consumeWithKcat(brokers, topic, { count: 1, atLeast: true });
    expect(consumed.map((r) => r.value?.toString()).sort()).toEqual(
      records
        .filter((r) => !handedBack.includes(r.messageId))
        .map((r) => r.body)
        .sort(),
    );
    for (const group of ['A', 'B', 'C']) {
      // Each group in Kafka is a prefix of the group, in order; the rest comes back in order.
      const values = consumed.filter((r) => r.key?.toString() === group).map((r) => r.value?.toString());
      expect(values).toEqual([0, 1, 2, 3, 4].map((i) => `${group}${i}`).slice(0, values.length));
      expect(new Set(consumed.filter((r) => r.key?.toString() === group).map((r) => r.partition)).size).toBe(
        1,
      );
    }
    expect(consumed.filter((r) => r.key?.toString() === 'B').map((r) => r.value?.toString())).toEqual([
      'B0',
      'B1',
    ]);
  });

  it('reuses one warm Writer across invocations', async () => {
    const topic = await createTopic(brokers);
    const { handler, warmWriter } = handlerFor(topic);

    for (let invocation = 0; invocation < 20; invocation++) {
      const response = await handler(sqsEvent([sqsRecord(`inv-${invocation}`)]), lambdaContext() as never);
      expect(response.batchItemFailures).toEqual([]);
    }
    await warmWriter.close();

    expect(warmWriter.writersCreated).toBe(1);
    expect(await countRecords(brokers, topic)).toBe(20);
  });

  it('delivers and acknowledges a 10,000-record invocation', async () => {
    const topic = await createTopic(brokers, { partitions: 6 });
    const { handler, warmWriter } = handlerFor(topic);
    const records = Array.from({ length: 10_000 }, (_, i) =>
      sqsRecord(`{"n":${i},"pad":"${'x'.repeat(200)}"}`, { id: `id-${i}` }),
    );
    await handler(sqsEvent([sqsRecord('warm-up')]), lambdaContext() as never);

    const started = performance.now();
    const response = await handler(sqsEvent(records), lambdaContext() as never);
    const elapsedMs = performance.now() - started;
    await warmWriter.close();

    console.log(`10,000-record SQS invocation acknowledged in ${elapsedMs.toFixed(0)} ms`);
    expect(response.batchItemFailures).toEqual([]);
    expect(await countRecords(brokers, topic)).toBe(10_001);
  });
});

describe('SQS bridge when connecting fails', () => {
  const cluster = useDedicatedCluster({ name: 'sqs-connect', nodeCount: 1, basePort: 23092 });

  it('drops a Writer whose connect failed, so the next invocation connects afresh', async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { replicationFactor: 1 });
    const env = {
      KAFKA_BROKERS: kafka.brokers.join(','),
      KAFKA_TOPIC: topic,
      KAFKA_MAX_ATTEMPTS: '2',
      KAFKA_CONNECT_TIMEOUT_MS: '500',
    };
    const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    const handler = createSqsHandler({ env, warmWriter });
    await kafka.stopNode(1);

    const whileDown = await handler(
      sqsEvent([sqsRecord('lost?', { id: 'down' })]),
      lambdaContext(5000) as never,
    );
    await kafka.startNode(1);
    const afterRestart = await handler(
      sqsEvent([sqsRecord('delivered', { id: 'up' })]),
      lambdaContext() as never,
    );
    await warmWriter.close();

    expect(whileDown.batchItemFailures).toEqual([{ itemIdentifier: 'down' }]);
    expect(afterRestart.batchItemFailures).toEqual([]);
    expect(warmWriter.writersCreated).toBe(2);
    const values = (await consumeWithKcat(kafka.brokers, topic, { count: 1 })).map((r) =>
      r.value?.toString(),
    );
    expect(values).toEqual(['delivered']);
  });
});
