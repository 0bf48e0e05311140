import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildBridgeBundle } from '../../cdk/bundling/bridge-bundling.ts';
import { FUNCTION_ENTRIES } from '../../cdk/paths.ts';
import { SqsPoller } from '../../scripts/local/sqs-poller.ts';
import { createQueueWithDlq } from '../../scripts/moto/queues.ts';
import { connectionsTo } from '../../scripts/rie/connections.ts';
import { LambdaEmulator } from '../../scripts/rie/emulator.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { countRecords, createTopic } from '../support/topics.ts';
import { apiEvent, hmacSignature } from '../unit/webhook/support.ts';

const brokers = inject('kafkaBrokers');
const moto = useMoto();
const SECRET = 'rie-webhook-secret';
const BROKER_PORTS = brokers.map((b) => Number(b.split(':')[1]));

let dir: string;
const emulators: LambdaEmulator[] = [];
const bundles: Record<keyof typeof FUNCTION_ENTRIES, string> = {
  webhook: '',
  sqs: '',
  eventbridge: '',
  scheduled: '',
};

/** The bundles the CDK deploys, built outside the project: nothing can fall back on node_modules. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rie-functions-'));
  for (const name of Object.keys(bundles) as (keyof typeof FUNCTION_ENTRIES)[]) {
    bundles[name] = join(dir, name);
    buildBridgeBundle({ entry: FUNCTION_ENTRIES[name], outdir: bundles[name], withIamSigner: false });
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(emulators.map((e) => e.stop()));
  await rm(dir, { recursive: true, force: true });
});

/** One function under RIE with the `KAFKA_*` settings the stack gives it, plus `environment`. */
async function emulate(
  name: keyof typeof FUNCTION_ENTRIES,
  environment: Record<string, string>,
  timeoutSeconds = 30,
): Promise<LambdaEmulator> {
  const emulator = await LambdaEmulator.start({
    name: `bridge-${name}`,
    codeDir: bundles[name],
    timeoutSeconds,
    environment: {
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_AUTH: 'none',
      KAFKA_ACKS: 'all',
      KAFKA_IDEMPOTENT: 'true',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      NODE_OPTIONS: '--enable-source-maps',
      ...environment,
    },
  });
  emulators.push(emulator);
  return emulator;
}

const fixture = (path: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

describe('the deployed bundles under the Lambda Runtime Interface Emulator', () => {
  it('SQS: a batch with a poisoned record answers batchItemFailures with that record alone', async () => {
    const topic = await createTopic(brokers, { partitions: 3, config: { 'max.message.bytes': '4000' } });
    const sqs = await emulate('sqs', { KAFKA_TOPIC: topic });
    const records = Array.from({ length: 12 }, (_, i) =>
      sqsRecord(i === 5 ? 'p'.repeat(20_000) : `rie-${i}`, { id: `m-${i}` }),
    );

    const result = await sqs.invoke(sqsEvent(records));

    expect(result).toEqual({ kind: 'result', payload: { batchItemFailures: [{ itemIdentifier: 'm-5' }] } });
    const written = await consumeWithKcat(brokers, topic, { count: 11 });
    expect(written.map((r) => r.value?.toString()).sort()).toEqual(
      records
        .filter((_, i) => i !== 5)
        .map((r) => r.body)
        .sort(),
    );
  });

  it('webhook: a signed request gets 200 with its offset, a forged one 401 and writes nothing', async () => {
    const topic = await createTopic(brokers);
    const webhook = await emulate('webhook', {
      WEBHOOK_TOPICS: topic,
      WEBHOOK_SIGNATURE: 'hmac-sha256',
      WEBHOOK_SECRET: SECRET,
    });
    const body = '{"orderId":"o-rie","total":42}';
    const signed = apiEvent({
      topic,
      body,
      headers: { 'content-type': 'application/json', 'x-signature': hmacSignature(SECRET, body) },
    });
    const forged = apiEvent({
      topic,
      body: '{"orderId":"forged"}',
      headers: { 'content-type': 'application/json', 'x-signature': hmacSignature('guess', body) },
    });

    const accepted = await webhook.invoke(signed);
    const refused = await webhook.invoke(forged);

    expect(accepted.kind).toBe('result');
    const answer = (accepted as { payload: { statusCode: number; body: string } }).payload;
    expect(answer.statusCode).toBe(200);
    const [record] = JSON.parse(answer.body).records;
    expect(record).toEqual({ topic, partition: expect.any(Number), offset: '0' });
    expect((refused as { payload: { statusCode: number } }).payload.statusCode).toBe(401);
    const [landed] = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(landed?.value?.toString()).toBe(body);
    expect(await countRecords(brokers, topic)).toBe(1);
  });

  it('EventBridge: an event lands in Kafka, its detail as the value, its id as ce_id', async () => {
    const topic = await createTopic(brokers);
    const eventbridge = await emulate('eventbridge', { KAFKA_TOPIC: topic });
    const event = fixture('eventbridge/custom-order-created.json');

    const result = await eventbridge.invoke(event);

    expect(result.kind).toBe('result');
    const [landed] = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(landed?.headers.ce_id?.toString()).toBe(event.id);
    expect(JSON.parse(landed?.value?.toString() ?? 'null')).toEqual(event.detail);
  });

  it("scheduled: the schedule's input lands in Kafka", async () => {
    const topic = await createTopic(brokers);
    const scheduled = await emulate('scheduled', { KAFKA_TOPIC: topic, SCHEDULE_SOURCE: 'input' });
    const input = { messages: [{ key: 'daily', value: 'report' }, { value: { weekly: true } }] };

    const result = await scheduled.invoke(input);

    expect(result).toEqual({ kind: 'result', payload: expect.objectContaining({ published: 2 }) });
    const landed = await consumeWithKcat(brokers, topic, { count: 2 });
    expect(landed.map((r) => r.value?.toString()).sort()).toEqual(['report', '{"weekly":true}']);
  });

  it('ten warm invocations share one runtime process and its Kafka connections', async () => {
    // One partition: every write goes to one leader, so the first invocation opens every
    // connection the container needs (bootstrap and leader) and later ones must open none.
    const topic = await createTopic(brokers, { partitions: 1 });
    const sqs = await emulate('sqs', { KAFKA_TOPIC: topic });
    const seen: { pids: number[]; connections: string[] }[] = [];
    for (let i = 0; i < 10; i++) {
      const result = await sqs.invoke(sqsEvent([sqsRecord(`warm-${i}`, { id: `w-${i}` })]));
      expect(result).toEqual({ kind: 'result', payload: { batchItemFailures: [] } });
      const pids = await sqs.runtimePids();
      seen.push({
        pids,
        connections: pids.length === 1 ? await connectionsTo(pids[0] as number, BROKER_PORTS) : [],
      });
    }

    const first = seen[0] as { pids: number[]; connections: string[] };
    expect(first.pids).toHaveLength(1);
    expect(first.connections.length).toBeGreaterThan(0);
    // The same process and the very same sockets (local ports) after every invocation.
    for (const later of seen) expect(later).toEqual(first);
    expect(await countRecords(brokers, topic)).toBe(10);
  });

  it('invocations sent at once run one after the other, as in one container, and all answer', async () => {
    const topic = await createTopic(brokers);
    const sqs = await emulate('sqs', { KAFKA_TOPIC: topic });
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        sqs.invoke(sqsEvent([sqsRecord(`together-${i}`, { id: `t-${i}` })])),
      ),
    );
    expect(results).toEqual(Array(4).fill({ kind: 'result', payload: { batchItemFailures: [] } }));
    expect(await countRecords(brokers, topic)).toBe(4);
  });

  describe('a function that runs past its timeout', () => {
    let blackHole: Server;
    const held: Socket[] = [];
    beforeAll(async () => {
      // Accepts connections and never answers: a Secrets Manager endpoint that hangs.
      blackHole = createServer((socket) => held.push(socket));
      await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    });

    it('is ended by the emulator, and the poller deletes none of its records', async () => {
      const topic = await createTopic(brokers);
      const port = (blackHole.address() as { port: number }).port;
      const sqsFunction = await emulate(
        'sqs',
        {
          KAFKA_TOPIC: topic,
          KAFKA_AUTH: 'scram-sha-512',
          KAFKA_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka-AbCdEf',
          AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
        },
        3,
      );
      const client = new SQSClient({ endpoint: moto().endpoint });
      const { queueUrl } = await createQueueWithDlq(client, `rie-timeout-${Date.now()}`, {
        visibilityTimeoutSeconds: 30,
        maxReceiveCount: 3,
      });
      await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: ['a', 'b', 'c'].map((id) => ({ Id: id, MessageBody: `timeout-${id}` })),
        }),
      );
      const poller = new SqsPoller({
        sqs: client,
        queueUrl,
        handler: sqsFunction.handler(),
        batchSize: 10,
        maxBatchingWindowMs: 500,
        // Longer than the function's own timeout: the emulator, not the poller, ends it.
        functionTimeoutMs: 60_000,
        waitTimeSeconds: 1,
      });

      const outcome = await poller.pollOnce();

      expect(outcome).toMatchObject({ received: 3, deleted: 0, failed: 3 });
      expect(outcome.error?.message).toMatch(/ended before it answered/);
      expect(sqsFunction.output()).toMatch(/Reset initiated: Timeout/);
      const attributes = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      expect(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('3');
      expect(await countRecords(brokers, topic)).toBe(0);
    });

    it('stop() during an invocation ends the runtime too, not only the emulator', async () => {
      const port = (blackHole.address() as { port: number }).port;
      const sqsFunction = await emulate('sqs', {
        KAFKA_TOPIC: 'never-written',
        KAFKA_AUTH: 'scram-sha-512',
        KAFKA_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka-AbCdEf',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      });
      // Hangs on the black hole: the runtime is busy in an invocation when stop() comes.
      const pending = sqsFunction
        .invoke(sqsEvent([sqsRecord('stuck', { id: 's' })]))
        .catch((error: Error) => error);
      const heldBefore = held.length;
      for (let i = 0; i < 100 && held.length === heldBefore; i++) await sleep(50);
      const [runtime] = await sqsFunction.runtimePids();
      expect(runtime).toBeDefined();

      await sqsFunction.stop();

      expect(await gone(runtime as number)).toBe(true);
      // The caller learns the invocation did not finish: the emulator answers "ended" as it goes
      // down, or the connection drops.
      const outcome = await pending;
      expect(outcome instanceof Error || outcome.kind === 'ended').toBe(true);
    });
  });
});

/** Whether a process is gone within 2 s (killed, then reaped: its parent is gone too). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(50);
  }
  return false;
}
