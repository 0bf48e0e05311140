import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { ClaimCheckError } from '../../lib/lambda/claim-check.ts';
import { createEventBridgeHandler } from '../../lib/lambda/eventbridge/handler.ts';
import { clearS3Client } from '../../lib/lambda/s3-api.ts';
import { createScheduledHandler } from '../../lib/lambda/scheduled/handler.ts';
import { createSqsHandler } from '../../lib/lambda/sqs/handler.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { createWebhookHandler } from '../../lib/lambda/webhook/handler.ts';
import type { BridgeEvent } from '../../lib/mapping/eventbridge.ts';
import { WriteErrors } from '../../lib/writer/errors.ts';
import { decodeLargeMessageValue } from '../support/bakdata-large-message.ts';
import { consumeWithKcat, type KcatRecord } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { lambdaContext as sqsContext, sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { countRecords, createTopic } from '../support/topics.ts';
import { apiEvent, lambdaContext, quietObservability } from '../unit/webhook/support.ts';

const brokers = inject('kafkaBrokers');
// The handlers' S3 client is built with no options, as in Lambda: moto stands behind the environment.
useMoto();
const BUCKET = 'claim-checks';
const VALUE_HEADER = '__large.message.backed.value';
let s3: S3Client;
beforeAll(async () => {
  s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterEach(() => {
  // A test that moved S3 away put the environment back; the next client follows it.
  clearS3Client();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** KAFKA_* with the claim check on, writing to `topic`. */
function kafkaEnv(topic: string): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC: topic,
    KAFKA_CLAIM_CHECK_BUCKET: BUCKET,
    KAFKA_CLAIM_CHECK_PREFIX: 'bridge',
  };
}

function webhookOn(topic: string) {
  const env = { ...kafkaEnv(topic), WEBHOOK_TOPICS: topic, WEBHOOK_KEY: 'none' };
  const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
  return {
    handle: createWebhookHandler({ env, warmWriter, observability: quietObservability() }),
    warmWriter,
  };
}

function sqsOn(topic: string) {
  const env = kafkaEnv(topic);
  const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
  return { handler: createSqsHandler({ env, warmWriter, observability: quietObservability() }), warmWriter };
}

/** The bytes a record stands for, read as bakdata's LargeMessageDeserializer would: inline, or from S3. */
async function payloadOf(record: KcatRecord): Promise<Buffer> {
  const headers = record.headerList.map(([name, value]) => ({ name, value: value ?? Buffer.alloc(0) }));
  const decoded = decodeLargeMessageValue(record.value ?? Buffer.alloc(0), headers);
  if ('inline' in decoded) return decoded.inline;
  const object = await s3.send(new GetObjectCommand({ Bucket: decoded.bucket, Key: decoded.key }));
  return Buffer.from(
    await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

/** Points the handlers' S3 client at a port nobody listens on, for the duration of `run`. */
async function withS3Down<T>(run: () => Promise<T>): Promise<T> {
  const closed = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const endpoint = process.env.AWS_ENDPOINT_URL as string;
  vi.stubEnv('AWS_ENDPOINT_URL', `http://127.0.0.1:${closed}`);
  clearS3Client();
  try {
    return await run();
  } finally {
    vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
    clearS3Client();
  }
}

describe('the claim check on moto S3 and a real broker', () => {
  it('offloads a 5 MB webhook body: the record carries the reference and header, S3 the same bytes', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const { handle, warmWriter } = webhookOn(topic);
    const body = randomBytes(5 * 1024 * 1024);

    const result = await handle(
      apiEvent({ topic, body, base64: true, headers: { 'content-type': 'application/octet-stream' } }),
      lambdaContext(),
    );
    await warmWriter.close();

    expect(result.statusCode, result.body).toBe(200);
    const [record] = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(record?.headers[VALUE_HEADER]).toEqual(Buffer.of(1));
    expect(record?.value?.toString('utf8')).toBe(`s3://${BUCKET}/bridge/${topic}/values/${sha256(body)}`);
    expect(sha256(await payloadOf(record as KcatRecord))).toBe(sha256(body));
  });

  it('keeps a small webhook body as its raw bytes, marked inline', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const { handle, warmWriter } = webhookOn(topic);
    const body = '{"order":"o-1"}';

    const result = await handle(apiEvent({ topic, body }), lambdaContext());
    await warmWriter.close();

    expect(result.statusCode, result.body).toBe(200);
    const [record] = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(record?.value?.toString('utf8')).toBe(body);
    expect(record?.headers[VALUE_HEADER]).toEqual(Buffer.of(0));
    expect((await payloadOf(record as KcatRecord)).toString('utf8')).toBe(body);
  });

  it('answers 503 and writes nothing when S3 cannot take a big webhook body', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const { handle, warmWriter } = webhookOn(topic);

    const result = await withS3Down(() =>
      handle(apiEvent({ topic, body: JSON.stringify({ data: 'x'.repeat(1_500_000) }) }), lambdaContext()),
    );
    await warmWriter.close();

    expect(result.statusCode).toBe(503);
    expect(result.headers['content-type']).toBe('application/problem+json');
    expect(result.headers['retry-after']).toBeDefined();
    expect(JSON.parse(result.body).type).toContain('payload-storage-unavailable');
    expect(await countRecords(brokers, topic)).toBe(0);
  });

  it('offloads only the big record of an SQS batch; the small ones stay inline', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const { handler, warmWriter } = sqsOn(topic);
    // SQS's largest body (1 MiB) is over the default threshold (1,000,000 bytes).
    const big = 'b'.repeat(1_048_576);

    const response = await handler(
      sqsEvent([
        sqsRecord('small-1', { id: 's1' }),
        sqsRecord(big, { id: 'big' }),
        sqsRecord('small-2', { id: 's2' }),
      ]),
      sqsContext(),
    );
    await warmWriter.close();

    expect(response.batchItemFailures).toEqual([]);
    const records = await consumeWithKcat(brokers, topic, { count: 3 });
    const byId = new Map(records.map((r) => [r.headers['sqs-message-id']?.toString(), r]));
    expect(byId.get('big')?.headers[VALUE_HEADER]).toEqual(Buffer.of(1));
    expect((await payloadOf(byId.get('big') as KcatRecord)).toString()).toBe(big);
    for (const [id, body] of [
      ['s1', 'small-1'],
      ['s2', 'small-2'],
    ]) {
      expect(byId.get(id)?.value?.toString()).toBe(body);
      expect(byId.get(id)?.headers[VALUE_HEADER]).toEqual(Buffer.of(0));
    }
  });

  it('hands back the big SQS record when S3 is down, and the records after it; the ones before are written', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const { handler, warmWriter } = sqsOn(topic);

    const response = await withS3Down(() =>
      handler(
        sqsEvent([
          sqsRecord('small-1', { id: 's1' }),
          sqsRecord('b'.repeat(1_048_576), { id: 'big' }),
          sqsRecord('small-2', { id: 's2' }),
        ]),
        sqsContext(),
      ),
    );
    await warmWriter.close();

    // small-2 written now would land before big's retry: the partition's order would break.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'big' }, { itemIdentifier: 's2' }]);
    const records = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(records.map((r) => r.value?.toString())).toEqual(['small-1']);
    expect(await countRecords(brokers, topic)).toBe(1);
  });

  it('fails an EventBridge invocation (Lambda retries) and writes nothing when S3 is down', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const env = { ...kafkaEnv(topic), KAFKA_CLAIM_CHECK_THRESHOLD_BYTES: '100' };
    const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    const handler = createEventBridgeHandler({ env, warmWriter, observability: quietObservability() });
    const event = JSON.parse(
      readFileSync(new URL('../fixtures/eventbridge/custom-order-created.json', import.meta.url), 'utf8'),
    ) as BridgeEvent;
    event.detail = { note: 'n'.repeat(500) };

    const failure = await withS3Down(() => handler(event, sqsContext() as never)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WriteErrors);
    expect((failure as WriteErrors).errors[0]).toBeInstanceOf(ClaimCheckError);

    // The retry Lambda makes, S3 back: the event is offloaded and written once.
    await handler(event, sqsContext() as never);
    await warmWriter.close();
    const [record] = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(record?.headers[VALUE_HEADER]).toEqual(Buffer.of(1));
    expect(JSON.parse((await payloadOf(record as KcatRecord)).toString())).toEqual(event.detail);
  });

  it('offloads an NDJSON line longer than KAFKA_BATCH_BYTES from a scheduled S3 source', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const long = JSON.stringify({ id: 'long', pad: 'p'.repeat(1_500_000) });
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'ndjson/a.ndjson', Body: `{"id":"short"}\n${long}\n` }),
    );
    const env = {
      ...kafkaEnv(topic),
      SCHEDULE_SOURCE: `s3://${BUCKET}/ndjson/`,
      SCHEDULE_MAX_LINE_BYTES: String(2_000_000),
    };
    const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    const handler = createScheduledHandler({ env, warmWriter, observability: quietObservability() });
    const cron = JSON.parse(
      readFileSync(new URL('../fixtures/scheduled/scheduled-event.json', import.meta.url), 'utf8'),
    );

    const summary = await handler(cron, sqsContext() as never);
    await warmWriter.close();

    expect(summary).toMatchObject({ published: 2, objectsDone: 1, objectsFailed: 0 });
    const records = await consumeWithKcat(brokers, topic, { count: 2 });
    expect(records.map((r) => r.headers[VALUE_HEADER])).toEqual([Buffer.of(0), Buffer.of(1)]);
    expect((await payloadOf(records[1] as KcatRecord)).toString()).toBe(long);
  });
});
