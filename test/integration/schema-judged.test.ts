import { readFileSync } from 'node:fs';
import { CreateRegistryCommand, CreateSchemaCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { createEventBridgeHandler } from '../../lib/lambda/eventbridge/handler.ts';
import { createScheduledHandler } from '../../lib/lambda/scheduled/handler.ts';
import { createSqsHandler } from '../../lib/lambda/sqs/handler.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { createWebhookHandler } from '../../lib/lambda/webhook/handler.ts';
import type { BridgeEvent } from '../../lib/mapping/eventbridge.ts';
import { useApicurio } from '../support/apicurio.ts';
import { buildApicurioSerdePeers, readWithApicurioAvro } from '../support/judges/apicurio-java.ts';
import { decodeWithPowertools } from '../support/judges/powertools.ts';
import { confluentRegistry, glueRegistry } from '../support/judges/registry-schemas.ts';
import { consumeWithKcat, type KcatRecord } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { lambdaContext as sqsContext, sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { createTopic } from '../support/topics.ts';
import { apiEvent, lambdaContext, quietObservability } from '../unit/webhook/support.ts';

// Records our serializer wrote through each trigger, read back from the broker with kcat and
// decoded by consumers that are not ours: Powertools' kafkaConsumer (all formats) and Apicurio's
// Java Avro deserializer (Avro). Each must decode them to the JSON the trigger was given.
const brokers = inject('kafkaBrokers');
const apicurio = useApicurio();
// moto: S3 for the scheduled NDJSON source, and the Glue Schema Registry.
useMoto();

const BUCKET = 'judged-batches';
let s3: S3Client;
beforeAll(async () => {
  s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // The first run resolves Apicurio's serde jars with mvn; a failure fails every test below.
  await buildApicurioSerdePeers();
}, 600_000);

/** A value format: its schema, how each registry names its type, and two inputs as plain JSON. */
interface Format {
  env: 'avro' | 'json-schema' | 'protobuf';
  schema: string;
  /** Confluent-compatible `schemaType` (absent = Avro). */
  ccompatType?: 'JSON' | 'PROTOBUF';
  glueFormat: 'AVRO' | 'JSON' | 'PROTOBUF';
  /** Protobuf: the message the trigger writes (SCHEMA_RECORD_NAME) and the judge decodes to. */
  message?: string;
  values: readonly unknown[];
}

// No union with a non-null value: avro-js (Powertools) tags a union's value with its branch, so
// such a value would not compare equal to the plain input JSON.
const AVRO: Format = {
  env: 'avro',
  glueFormat: 'AVRO',
  schema: JSON.stringify({
    type: 'record',
    name: 'Order',
    namespace: 'acme',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'qty', type: 'int' },
      { name: 'total', type: 'double' },
      { name: 'placedAt', type: 'long' },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      {
        name: 'line',
        type: {
          type: 'record',
          name: 'Line',
          fields: [
            { name: 'sku', type: 'string' },
            { name: 'count', type: 'int' },
          ],
        },
      },
      { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
    ],
  }),
  values: [
    {
      id: 'o-1',
      qty: 2,
      total: 19.5,
      placedAt: 1_700_000_000_123,
      tags: ['gift', 'Zoë'],
      line: { sku: 'sku-1', count: 3 },
      status: 'PAID',
    },
    { id: 'o-2', qty: -1, total: 0.25, placedAt: -1, tags: [], line: { sku: '', count: 0 }, status: 'NEW' },
  ],
};

const JSON_SCHEMA: Format = {
  env: 'json-schema',
  ccompatType: 'JSON',
  glueFormat: 'JSON',
  schema: JSON.stringify({
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      id: { type: 'string' },
      qty: { type: 'integer' },
      line: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] },
    },
    required: ['id'],
  }),
  values: [
    { id: 'o-1', qty: 2, line: { sku: 'sku-1' }, extra: [1, null, { deep: 'Zoë' }] },
    { id: 'o-2', note: null },
  ],
};

// acme.Order.Line is nested in the file's second message: Confluent's message indexes [1, 0];
// Glue numbers messages by full name: acme.Order 0, acme.Order.Line 1, acme.Other 2.
const PROTOBUF: Format = {
  env: 'protobuf',
  ccompatType: 'PROTOBUF',
  glueFormat: 'PROTOBUF',
  message: 'acme.Order.Line',
  schema: `syntax = "proto3";
package acme;

message Other {
  string x = 1;
}

message Order {
  string id = 1;
  message Line {
    string sku = 1;
    int64 qty = 2;
    repeated string tags = 3;
  }
  repeated Line lines = 2;
}
`,
  // In protobufjs' toJSON form: int64 as a string; fields at their default are not on the wire.
  values: [
    { sku: 'sku-1', qty: '7', tags: ['gift', 'Zoë'] },
    { sku: 'sku-2', qty: '-9007199254740993', tags: ['x'] },
  ],
};

const FORMATS = [AVRO, JSON_SCHEMA, PROTOBUF];

/** A trigger's handler, built from the test's env; `send` hands it the values and checks it took them all. */
type Trigger = (env: Record<string, string>, topic: string, values: readonly unknown[]) => Promise<void>;

function handlerParts(env: Record<string, string>) {
  const { config, problems } = readKafkaConfig(env);
  expect(problems).toEqual([]);
  return { env, warmWriter: new WarmWriter({ config }), observability: quietObservability() };
}

const TRIGGERS: Record<string, Trigger> = {
  async webhook(env, topic, values) {
    const parts = handlerParts({ ...env, WEBHOOK_TOPICS: topic, WEBHOOK_KEY: 'none' });
    const handle = createWebhookHandler(parts);
    try {
      for (const value of values) {
        const response = await handle(apiEvent({ topic, body: JSON.stringify(value) }), lambdaContext());
        expect(response.statusCode, response.body).toBe(200);
      }
    } finally {
      await parts.warmWriter.close();
    }
  },
  async sqs(env, _topic, values) {
    const parts = handlerParts(env);
    const handler = createSqsHandler(parts);
    try {
      const records = values.map((value, i) => sqsRecord(JSON.stringify(value), { id: `m-${i}` }));
      expect((await handler(sqsEvent(records), sqsContext())).batchItemFailures).toEqual([]);
    } finally {
      await parts.warmWriter.close();
    }
  },
  async eventBridge(env, _topic, values) {
    const parts = handlerParts(env);
    const handler = createEventBridgeHandler(parts);
    try {
      for (const detail of values) await handler(bridgeEvent(detail), lambdaContext());
    } finally {
      await parts.warmWriter.close();
    }
  },
  async scheduledInput(env, _topic, values) {
    const parts = handlerParts(env);
    const handler = createScheduledHandler(parts);
    try {
      const summary = await handler(
        { messages: values.map((value) => ({ value })) },
        lambdaContext() as Context,
      );
      expect(summary.published).toBe(values.length);
    } finally {
      await parts.warmWriter.close();
    }
  },
  async scheduledS3(env, topic, values) {
    const body = values.map((value) => `${JSON.stringify(value)}\n`).join('');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${topic}/batch.ndjson`, Body: body }));
    const parts = handlerParts({ ...env, SCHEDULE_SOURCE: `s3://${BUCKET}/${topic}/` });
    const handler = createScheduledHandler(parts);
    try {
      const summary = await handler(scheduledEvent(), sqsContext() as never);
      expect(summary).toMatchObject({ published: values.length, objectsDone: 1, objectsFailed: 0 });
    } finally {
      await parts.warmWriter.close();
    }
  },
};

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

/** The event a cron rule sends: no input, so the handler reads its S3 source. */
const scheduledEvent = (): BridgeEvent =>
  JSON.parse(readFileSync(new URL('../fixtures/scheduled/scheduled-event.json', import.meta.url), 'utf8'));

/** Registers the format's schema as `<topic>-value` in Apicurio; returns its id. */
async function registerInApicurio(topic: string, format: Format): Promise<number> {
  const { schema, ccompatType } = format;
  const response = await fetch(`${apicurio.registry().ccompatUrl}/subjects/${topic}-value/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify(ccompatType ? { schema, schemaType: ccompatType } : { schema }),
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return (JSON.parse(text) as { id: number }).id;
}

function formatEnv(format: Format, registry: Record<string, string>): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_VALUE_FORMAT: format.env,
    ...(format.message ? { SCHEMA_RECORD_NAME: format.message } : {}),
    ...registry,
  };
}

/** The Glue frame's schema version UUID (bytes 2-17), in its usual text form. */
function glueUuid(value: Buffer): string {
  const hex = value.subarray(2, 18).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function frameOf(record: KcatRecord): Buffer {
  expect(record.value).not.toBeNull();
  return record.value as Buffer;
}

describe.each(FORMATS)('$env values, Confluent framing (Apicurio), judged by peers', (format) => {
  it.each(Object.keys(TRIGGERS))(
    '%s: every record decodes to its input',
    async (trigger) => {
      const topic = await createTopic(brokers, { partitions: 1 });
      const schemaId = await registerInApicurio(topic, format);
      const env = formatEnv(format, {
        KAFKA_TOPIC: topic,
        SCHEMA_REGISTRY_URL: apicurio.registry().ccompatUrl,
      });

      await TRIGGERS[trigger]?.(env, topic, format.values);

      const records = await consumeWithKcat(brokers, topic, { count: format.values.length });
      for (const record of records) {
        const value = frameOf(record);
        expect(value[0]).toBe(0);
        expect(value.readUInt32BE(1)).toBe(schemaId);
        // Confluent's message indexes [1, 0]: the count then each index, zigzag varints (2, 1, 0 -> 4, 2, 0).
        if (format.message) expect([...value.subarray(5, 8)]).toEqual([4, 2, 0]);
      }
      const decoded = await decodeWithPowertools(records, {
        registry: confluentRegistry(apicurio.registry().ccompatUrl),
        ...(format.message ? { protobufMessage: format.message } : {}),
      });
      expect(decoded.map((r) => r.json)).toEqual(format.values);
      expect(decoded.map((r) => r.valueSchemaMetadata)).toEqual(
        format.values.map(() => ({ dataFormat: format.glueFormat, schemaId: String(schemaId) })),
      );
      if (format.env === 'avro') {
        const java = await readWithApicurioAvro({
          brokers,
          topic,
          count: format.values.length,
          registryUrl: apicurio.registry().coreUrl,
        });
        expect(java.map((r) => r.value)).toEqual(format.values);
      }
    },
    180_000,
  );
});

describe('Glue framing (moto), SQS trigger with SCHEMA_REGISTRY=glue:<name>, judged by Powertools', () => {
  const registryName = `judged-${Date.now()}`;
  let glue: GlueClient;

  beforeAll(async () => {
    glue = new GlueClient({});
    await glue.send(new CreateRegistryCommand({ RegistryName: registryName }));
  });

  it.each(FORMATS)(
    '$env: decodes to the input; the frame names the schema version moto assigned',
    async (format) => {
      const topic = await createTopic(brokers, { partitions: 1 });
      // Glue's default naming strategy: the schema is named after the topic.
      const created = await glue.send(
        new CreateSchemaCommand({
          RegistryId: { RegistryName: registryName },
          SchemaName: topic,
          DataFormat: format.glueFormat,
          Compatibility: 'NONE',
          SchemaDefinition: format.schema,
        }),
      );
      const versionId = created.SchemaVersionId as string;
      const env = formatEnv(format, { KAFKA_TOPIC: topic, SCHEMA_REGISTRY: `glue:${registryName}` });

      await TRIGGERS.sqs?.(env, topic, format.values);

      const records = await consumeWithKcat(brokers, topic, { count: format.values.length });
      for (const record of records) {
        const value = frameOf(record);
        expect([...value.subarray(0, 2)]).toEqual([3, 0]);
        expect(glueUuid(value)).toBe(versionId);
        // Glue's message index of acme.Order.Line, an unsigned varint, before the message.
        if (format.message) expect(value[18]).toBe(1);
      }
      const decoded = await decodeWithPowertools(records, {
        registry: glueRegistry(glue),
        ...(format.message ? { protobufMessage: format.message } : {}),
      });
      expect(decoded.map((r) => r.json)).toEqual(format.values);
      expect(decoded.map((r) => r.valueSchemaMetadata)).toEqual(
        format.values.map(() => ({ dataFormat: format.glueFormat, schemaId: versionId })),
      );
    },
    120_000,
  );
});
