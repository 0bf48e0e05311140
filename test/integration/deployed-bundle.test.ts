import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type BridgeBundle, buildBridgeBundle } from '../../cdk/bundling/bridge-bundling.ts';
import { FUNCTION_ENTRIES } from '../../cdk/paths.ts';
import { awsEnvFor } from '../../scripts/moto/server.ts';
import { createIdempotencyTable } from '../support/idempotency-table.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { countRecords, createTopic, topicExists, uniqueTopic } from '../support/topics.ts';
import { apiEvent } from '../unit/webhook/support.ts';

const brokers = inject('kafkaBrokers');
const moto = useMoto();

/**
 * Runs in a fresh `node` as Lambda's runtime would: imports index.mjs (the handler's init runs),
 * invokes `handler` once with the event on stdin and a Lambda context, writes the response to a
 * file (stdout carries the function's logs) and exits, since a warm Writer keeps its sockets open
 * where Lambda would freeze the process.
 */
const RUNTIME = `
import { readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
const { handler } = await import(process.env.BUNDLE_URL);
const event = JSON.parse(readFileSync(0, 'utf8'));
const deadline = Date.now() + 30_000;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
const response = await handler(event, context);
writeFileSync(process.env.RESPONSE_FILE, JSON.stringify(response));
process.exit(0);
`;

let dir: string;
let bundle: BridgeBundle;
let webhookBundle: BridgeBundle;

beforeAll(async () => {
  // Outside the project: a package the bundle failed to carry has no node_modules to fall back on.
  dir = await mkdtemp(join(tmpdir(), 'deployed-sqs-'));
  bundle = buildBridgeBundle({
    entry: FUNCTION_ENTRIES.sqs,
    outdir: join(dir, 'asset'),
    withIamSigner: false,
  });
  webhookBundle = buildBridgeBundle({
    entry: FUNCTION_ENTRIES.webhook,
    outdir: join(dir, 'webhook-asset'),
    withIamSigner: false,
  });
  await writeFile(join(dir, 'runtime.mjs'), RUNTIME);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Invokes a bundled function (SQS unless told) once in its own process, with the stack's environment. */
async function invoke<Response = { batchItemFailures: unknown[] }>(
  event: unknown,
  environment: Record<string, string>,
  target: BridgeBundle = bundle,
): Promise<{ response: Response; output: string }> {
  const responseFile = join(dir, `response-${Date.now()}.json`);
  const child = spawn(process.execPath, [join(dir, 'runtime.mjs')], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'bridge-sqs',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_AUTH: 'none',
      KAFKA_IDEMPOTENT: 'false',
      KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'false',
      KAFKA_ACKS: 'all',
      KAFKA_COMPRESSION: 'none',
      SQS_UNWRAP_SNS: 'false',
      NODE_OPTIONS: '--enable-source-maps',
      ...environment,
      BUNDLE_URL: pathToFileURL(target.entry).href,
      RESPONSE_FILE: responseFile,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  child.stdin.end(JSON.stringify(event));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the bundled function exited with ${code}:\n${output}`);
  return { response: JSON.parse(await readFile(responseFile, 'utf8')), output };
}

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
