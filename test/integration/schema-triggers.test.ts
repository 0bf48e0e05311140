import { readFileSync } from 'node:fs';
import { CreateBucketCommand, GetObjectTaggingCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { createEventBridgeHandler } from '../../lib/lambda/eventbridge/handler.ts';
import { InvalidScheduleInputError } from '../../lib/lambda/scheduled/errors.ts';
import { createScheduledHandler } from '../../lib/lambda/scheduled/handler.ts';
import { createSqsHandler } from '../../lib/lambda/sqs/handler.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { createWebhookHandler } from '../../lib/lambda/webhook/handler.ts';
import type { BridgeEvent } from '../../lib/mapping/eventbridge.ts';
import { SchemaRegistryError, SchemaValidationError } from '../../lib/schema/value-serializer.ts';
import { WriteErrors } from '../../lib/writer/errors.ts';
import { useApicurio } from '../support/apicurio.ts';
import { consumeWithKcat, type KcatRecord } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { lambdaContext as sqsContext, sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { countRecords, createTopic } from '../support/topics.ts';
import { apiEvent, lambdaContext, quietObservability } from '../unit/webhook/support.ts';

const brokers = inject('kafkaBrokers');
const apicurio = useApicurio();
useMoto();

/** Every trigger's JSON input is checked against this: an object whose `id` is a string. */
const ORDER_SCHEMA = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { id: { type: 'string' }, qty: { type: 'integer', minimum: 0 } },
  required: ['id'],
});

const BUCKET = 'schema-batches';
let s3: S3Client;
beforeAll(async () => {
  s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

/** Registers ORDER_SCHEMA as the latest version of `<topic>-value` in Apicurio; returns its id. */
async function registerSchema(topic: string): Promise<number> {
  const response = await fetch(`${apicurio.registry().ccompatUrl}/subjects/${topic}-value/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'JSON', schema: ORDER_SCHEMA }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { id: number }).id;
}

/** A topic on the broker with its schema in the registry. */
async function schemaTopic(): Promise<{ topic: string; schemaId: number }> {
  const topic = await createTopic(brokers, { partitions: 1 });
  return { topic, schemaId: await registerSchema(topic) };
}

/** KAFKA_* with JSON Schema values from the test's Apicurio, and the container's WarmWriter for it. */
function setUp(topic: string, extra: Record<string, string> = {}) {
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC: topic,
    KAFKA_VALUE_FORMAT: 'json-schema',
    SCHEMA_REGISTRY_URL: apicurio.registry().ccompatUrl,
    ...extra,
  };
  const { config, problems } = readKafkaConfig(env);
  expect(problems).toEqual([]);
  return { env, warmWriter: new WarmWriter({ config }), observability: quietObservability() };
}

/** A record's value as the Confluent wire format frames it: magic 0, the 4-byte schema id, the JSON. */
function decodeConfluent(record: KcatRecord | undefined): { schemaId: number; json: unknown } {
  const value = record?.value as Buffer;
  expect(value[0]).toBe(0);
  return { schemaId: value.readUInt32BE(1), json: JSON.parse(value.subarray(5).toString('utf8')) };
}

const cron = (): BridgeEvent =>
  JSON.parse(readFileSync(new URL('../fixtures/scheduled/scheduled-event.json', import.meta.url), 'utf8'));

function bridgeEvent(detail: unknown): BridgeEvent {
  return {
    version: '0',
    id: `e-${Math.random().toString(36).slice(2, 10)}`,
    'detail-type': 'OrderCreated',
    source: 'shop',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  } as BridgeEvent;
}

async function tagsOf(key: string): Promise<Record<string, string>> {
  const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }));
  return Object.fromEntries((TagSet ?? []).map((t) => [t.Key, t.Value]));
}

describe('JSON Schema values through every trigger (Apicurio + a real broker)', () => {
  it('webhook: a valid body is written framed; an invalid one is a 400 naming the field, and nothing is written', async () => {
    const { topic, schemaId } = await schemaTopic();
    const { env, warmWriter, observability } = setUp(topic);
    const handle = createWebhookHandler({
      env: { ...env, WEBHOOK_TOPICS: topic, WEBHOOK_KEY: 'none' },
      warmWriter,
      observability,
    });

    const ok = await handle(apiEvent({ topic, body: '{"id":"o-1","qty":2}' }), lambdaContext());
    const invalid = await handle(apiEvent({ topic, body: '{"id":"o-2","qty":-1}' }), lambdaContext());
    const notJson = await handle(apiEvent({ topic, body: '{"id":' }), lambdaContext());
    await warmWriter.close();

    expect(ok.statusCode, ok.body).toBe(200);
    expect(invalid.statusCode, invalid.body).toBe(400);
    expect(invalid.headers['content-type']).toBe('application/problem+json');
    const problem = JSON.parse(invalid.body);
    expect(problem.type).toBe('tag:kafka-lambda-bridge,2025:webhook/invalid-value');
    expect(problem.errors).toEqual([{ detail: expect.any(String), pointer: '#/qty' }]);
    expect(problem.detail).toContain('/qty');
    // Malformed JSON is the webhook's own 400 before the schema is asked; still nothing written.
    expect(notJson.statusCode, notJson.body).toBe(400);
    const records = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(decodeConfluent(records[0])).toEqual({ schemaId, json: { id: 'o-1', qty: 2 } });
    // The input's media type would describe JSON, not the framed bytes.
    expect(records[0]?.headers['content-type']).toBeUndefined();
  });

  it('SQS: the invalid record alone is handed back (to end in the DLQ); the others are written', async () => {
    const { topic, schemaId } = await schemaTopic();
    const { env, warmWriter, observability } = setUp(topic);
    const handler = createSqsHandler({ env, warmWriter, observability });
    const records = [
      sqsRecord('{"id":"a"}', { id: 'a' }),
      sqsRecord('{"id":42}', { id: 'b' }),
      sqsRecord('not json', { id: 'c' }),
      sqsRecord('{"id":"d"}', { id: 'd' }),
    ];

    const result = await handler(sqsEvent(records), sqsContext());
    await warmWriter.close();

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'b' }, { itemIdentifier: 'c' }]);
    const written = await consumeWithKcat(brokers, topic, { count: 2 });
    expect(written.map(decodeConfluent)).toEqual([
      { schemaId, json: { id: 'a' } },
      { schemaId, json: { id: 'd' } },
    ]);
  });

  it('SQS FIFO: nothing after an invalid record is written; its group (and the rest of the batch) comes back in order', async () => {
    const { topic } = await schemaTopic();
    const { env, warmWriter, observability } = setUp(topic);
    const handler = createSqsHandler({ env, warmWriter, observability });
    const fifo = (body: string, id: string, groupId: string) => sqsRecord(body, { id, fifo: true, groupId });

    const result = await handler(
      sqsEvent([
        fifo('{"id":"a"}', 'a', 'g1'),
        fifo('{"id":1}', 'b', 'g1'),
        fifo('{"id":"c"}', 'c', 'g1'),
        fifo('{"id":"d"}', 'd', 'g2'),
      ]),
      sqsContext(),
    );
    await warmWriter.close();

    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['b', 'c', 'd']);
    expect(await countRecords(brokers, topic)).toBe(1);
  });

  it('EventBridge: a valid detail is written; an invalid one fails the invocation and writes nothing', async () => {
    const { topic, schemaId } = await schemaTopic();
    const { env, warmWriter, observability } = setUp(topic);
    const handler = createEventBridgeHandler({ env, warmWriter, observability });

    await handler(bridgeEvent({ id: 'o-1' }), lambdaContext());
    const error = await handler(bridgeEvent({ id: 'o-2', qty: 'many' }), lambdaContext()).catch(
      (e: unknown) => e,
    );
    await warmWriter.close();

    expect(error).toBeInstanceOf(WriteErrors);
    const invalid = (error as WriteErrors).errors[0];
    expect(invalid).toBeInstanceOf(SchemaValidationError);
    expect((invalid as SchemaValidationError).field).toBe('/qty');
    const records = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(decodeConfluent(records[0])).toEqual({ schemaId, json: { id: 'o-1' } });
  });

  it('scheduled input: one invalid value rejects the whole input before anything is written', async () => {
    const { topic, schemaId } = await schemaTopic();
    const { env, warmWriter, observability } = setUp(topic, { SCHEDULE_BATCH_SIZE: '1' });
    const handler = createScheduledHandler({ env, warmWriter, observability });

    const error = await handler(
      { messages: [{ value: { id: 'a' } }, { value: { id: 'b' } }, { value: { qty: 1 } }] },
      lambdaContext() as Context,
    ).catch((e: unknown) => e);
    const summary = await handler({ messages: [{ value: { id: 'c' } }] }, lambdaContext() as Context);
    await warmWriter.close();

    expect(error).toBeInstanceOf(InvalidScheduleInputError);
    expect((error as InvalidScheduleInputError).problems).toEqual([
      expect.stringMatching(/^messages\[2\]\.value does not match the schema/),
    ]);
    expect(summary.published).toBe(1);
    const records = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(decodeConfluent(records[0])).toEqual({ schemaId, json: { id: 'c' } });
  });

  it('scheduled NDJSON: an invalid line marks the object failed at that line; the lines before it are published, none after', async () => {
    const { topic, schemaId } = await schemaTopic();
    const key = `invalid-line/${topic}.ndjson`;
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: '{"id":"l1"}\n{"id":"l2"}\n{"id":3}\n{"id":"l4"}\n',
      }),
    );
    const { env, warmWriter, observability } = setUp(topic, {
      SCHEDULE_SOURCE: `s3://${BUCKET}/invalid-line/`,
    });
    const handler = createScheduledHandler({ env, warmWriter, observability });

    const first = await handler(cron(), sqsContext() as never);
    // A later run skips the failed object: the invalid line is not retried for ever.
    const second = await handler(cron(), sqsContext() as never);
    await warmWriter.close();

    expect(first).toMatchObject({ published: 2, objectsDone: 0, objectsFailed: 1 });
    expect(second).toMatchObject({ published: 0, objectsDone: 0, objectsFailed: 0 });
    const tags = await tagsOf(key);
    expect(tags['kafka-bridge-status']).toBe('failed');
    expect(tags['kafka-bridge-error']).toMatch(/^line 3 does not match the schema at \/id/);
    const records = await consumeWithKcat(brokers, topic, { count: 2 });
    expect(records.map(decodeConfluent)).toEqual([
      { schemaId, json: { id: 'l1' } },
      { schemaId, json: { id: 'l2' } },
    ]);
  });

  it('registry down mid-run: 503 / records failed back / throws, nothing written; after it returns the next invocation succeeds', async () => {
    // Topics whose schemas no serializer has cached yet, registered before the registry goes away.
    const topics = await Promise.all([1, 2, 3, 4].map(() => createTopic(brokers, { partitions: 1 })));
    const [webhookTopic, sqsTopic, eventTopic, scheduledTopic] = topics as [string, string, string, string];
    const key = `registry-down/${scheduledTopic}.ndjson`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '{"id":"l1"}\n{"id":"l2"}\n' }));
    const webhook = setUp(webhookTopic);
    const handle = createWebhookHandler({
      ...webhook,
      env: { ...webhook.env, WEBHOOK_TOPICS: webhookTopic, WEBHOOK_KEY: 'none' },
    });
    const sqs = setUp(sqsTopic);
    const sqsHandler = createSqsHandler(sqs);
    const events = setUp(eventTopic);
    const eventHandler = createEventBridgeHandler(events);
    const scheduled = setUp(scheduledTopic, { SCHEDULE_SOURCE: `s3://${BUCKET}/registry-down/` });
    const scheduledHandler = createScheduledHandler(scheduled);

    await apicurio.stop();
    const down = {
      webhook: await handle(apiEvent({ topic: webhookTopic, body: '{"id":"w1"}' }), lambdaContext()),
      sqs: await sqsHandler(
        sqsEvent([sqsRecord('{"id":"s1"}', { id: 's1' }), sqsRecord('{"id":"s2"}', { id: 's2' })]),
        sqsContext(),
      ),
      eventBridge: await eventHandler(bridgeEvent({ id: 'e1' }), lambdaContext()).catch((e: unknown) => e),
      scheduled: await scheduledHandler(cron(), sqsContext() as never).catch((e: unknown) => e),
    };

    expect(down.webhook.statusCode, down.webhook.body).toBe(503);
    expect(down.webhook.headers['retry-after']).toBe('10');
    expect(JSON.parse(down.webhook.body).type).toBe(
      'tag:kafka-lambda-bridge,2025:webhook/schema-registry-unavailable',
    );
    expect(down.sqs.batchItemFailures).toEqual([{ itemIdentifier: 's1' }, { itemIdentifier: 's2' }]);
    expect((down.eventBridge as WriteErrors).errors?.[0]).toBeInstanceOf(SchemaRegistryError);
    expect((down.scheduled as WriteErrors).errors?.[0]).toBeInstanceOf(SchemaRegistryError);
    // Not marked failed: the next run takes the object up again.
    expect((await tagsOf(key))['kafka-bridge-status']).not.toBe('failed');
    for (const topic of topics) expect(await countRecords(brokers, topic)).toBe(0);

    // Back, empty (in-memory storage): the schemas are registered again, as an operator would.
    await apicurio.restart();
    const ids = await Promise.all(topics.map(registerSchema));
    const back = {
      webhook: await handle(apiEvent({ topic: webhookTopic, body: '{"id":"w1"}' }), lambdaContext()),
      sqs: await sqsHandler(
        sqsEvent([sqsRecord('{"id":"s1"}', { id: 's1' }), sqsRecord('{"id":"s2"}', { id: 's2' })]),
        sqsContext(),
      ),
      eventBridge: await eventHandler(bridgeEvent({ id: 'e1' }), lambdaContext()),
      scheduled: await scheduledHandler(cron(), sqsContext() as never),
    };
    await Promise.all([webhook, sqs, events, scheduled].map((s) => s.warmWriter.close()));

    expect(back.webhook.statusCode, back.webhook.body).toBe(200);
    expect(back.sqs.batchItemFailures).toEqual([]);
    expect(back.eventBridge.offset).toBe('0');
    expect(back.scheduled).toMatchObject({ published: 2, objectsDone: 1 });
    expect((await tagsOf(key))['kafka-bridge-status']).toBe('done');
    const written = await Promise.all(
      topics.map(async (topic, i) => ({
        topic,
        values: (await consumeWithKcat(brokers, topic, { count: i === 1 || i === 3 ? 2 : 1 })).map(
          decodeConfluent,
        ),
      })),
    );
    expect(written.map((w) => w.values)).toEqual([
      [{ schemaId: ids[0], json: { id: 'w1' } }],
      [
        { schemaId: ids[1], json: { id: 's1' } },
        { schemaId: ids[1], json: { id: 's2' } },
      ],
      [{ schemaId: ids[2], json: { id: 'e1' } }],
      [
        { schemaId: ids[3], json: { id: 'l1' } },
        { schemaId: ids[3], json: { id: 'l2' } },
      ],
    ]);
  }, 300_000);
});
