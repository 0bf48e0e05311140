import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BridgeBundle } from '../../cdk/bundling/bridge-bundling.ts';
import { buildDeployedSqs, invokeDeployedSqs } from '../support/deployed-function.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { createTopic, topicExists, uniqueTopic } from '../support/topics.ts';

const brokers = inject('kafkaBrokers');

let dir: string;
let bundle: BridgeBundle;

beforeAll(async () => {
  ({ dir, bundle } = await buildDeployedSqs('deployed-sqs-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Invokes the bundled SQS function once in its own process, with the environment the stack sets. */
const invoke = (event: unknown, environment: Record<string, string>) =>
  invokeDeployedSqs(dir, bundle, brokers, event, environment);

describe('the SQS function as deployed (code-split bundle, run by node outside the project)', () => {
  it('writes a batch to Kafka and hands nothing back to the queue', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const records = Array.from({ length: 12 }, (_, i) => sqsRecord(`deployed-${i}`, { id: `m-${i}` }));

    const { response } = await invoke(sqsEvent(records), { KAFKA_TOPIC: topic });

    expect(response.batchItemFailures).toEqual([]);
    const written = await consumeWithKcat(brokers, topic, { count: records.length });
    expect(written.map((r) => r.value?.toString()).sort()).toEqual(records.map((r) => r.body).sort());
    expect(written.every((r) => r.headers['sqs-message-id'] !== undefined)).toBe(true);
  });

  it('creates a missing topic and writes snappy batches, from chunks loaded on first use', async () => {
    const topic = uniqueTopic('deployed-auto');
    const records = ['a', 'b', 'c'].map((id) => sqsRecord(`auto-${id}`, { id }));

    // kafkajs' index (topic creation) and the snappy codec are chunks imported only now.
    const { response } = await invoke(sqsEvent(records), {
      KAFKA_TOPIC: topic,
      KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'true',
      KAFKA_COMPRESSION: 'snappy',
    });

    expect(response.batchItemFailures).toEqual([]);
    expect(await topicExists(brokers, topic)).toBe(true);
    const written = await consumeWithKcat(brokers, topic, { count: records.length });
    expect(written.map((r) => r.value?.toString()).sort()).toEqual(['auto-a', 'auto-b', 'auto-c']);
  });
});
