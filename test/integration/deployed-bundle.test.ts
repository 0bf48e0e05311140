import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BridgeBundle } from '../../cdk/bundling/bridge-bundling.ts';
import { awsEnvFor } from '../../scripts/moto/server.ts';
import { buildDeployedBundle, buildDeployedSqs, invokeDeployed } from '../support/deployed-function.ts';
import { createIdempotencyTable } from '../support/idempotency-table.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { countRecords, createTopic, topicExists, uniqueTopic } from '../support/topics.ts';
import { apiEvent } from '../unit/webhook/support.ts';

const brokers = inject('kafkaBrokers');
const moto = useMoto();

let dir: string;
let bundle: BridgeBundle;
let webhookBundle: BridgeBundle;

beforeAll(async () => {
  ({ dir, bundle } = await buildDeployedSqs('deployed-sqs-'));
  webhookBundle = buildDeployedBundle(dir, 'webhook');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Invokes a bundled function (SQS unless told) once in its own process, with the stack's environment. */
const invoke = <Response = { batchItemFailures: unknown[] }>(
  event: unknown,
  environment: Record<string, string>,
  target: BridgeBundle = bundle,
) => invokeDeployed<Response>(dir, target, brokers, event, environment);

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

describe('the webhook function as deployed, deduplicating in DynamoDB (moto)', () => {
  it('loads Powertools Idempotency and the DynamoDB client from their chunks: a retry in a second container gets the first answer', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const table = await createIdempotencyTable('deployed-idempotency');
    const event = apiEvent({
      topic,
      body: '{"order":1}',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'order-1' },
    });
    const environment = {
      ...awsEnvFor(moto().endpoint),
      AWS_LAMBDA_FUNCTION_NAME: 'bridge-webhook',
      WEBHOOK_TOPICS: topic,
      WEBHOOK_SIGNATURE: 'none',
      WEBHOOK_IDEMPOTENCY_TABLE: table,
    };
    type Answer = { statusCode: number; headers: Record<string, string>; body: string };

    const first = await invoke<Answer>(event, environment, webhookBundle);
    const retry = await invoke<Answer>(event, environment, webhookBundle);

    expect(first.response.statusCode, first.output).toBe(200);
    expect(retry.response.statusCode, retry.output).toBe(200);
    expect(retry.response.headers['idempotent-replayed']).toBe('true');
    expect(JSON.parse(retry.response.body)).toEqual(JSON.parse(first.response.body));
    expect(await countRecords(brokers, topic)).toBe(1);
  });
});
