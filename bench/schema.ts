/**
 * The schema profile of `npm run bench` (BENCH_SKIP=schema leaves it out; `npm run bench:schema`
 * runs it alone): what validating and encoding each value costs. A one-broker cluster and an
 * Apicurio Registry of its own; the same JSON orders (~256 B) written by the Writer in sync calls
 * of 100 as they are (raw, the baseline) and through the schema serializer in each format
 * (Confluent framing, schema read from the registry once). Rounds alternate; medians; CPU per
 * message of this process; MB/s counts the JSON given. Writes bench/results/schema.json. A
 * benchmark, not a test: nothing asserts a timing.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { ValueFormat } from '../lib/schema/formats/codec.ts';
import { createValueSerializer } from '../lib/schema/index.ts';
import type { ValueSerializer } from '../lib/schema/value-serializer.ts';
import type { Message } from '../lib/writer/message.ts';
import { RequiredAcks } from '../lib/writer/required-acks.ts';
import { Writer } from '../lib/writer/writer.ts';
import { LocalApicurio } from '../scripts/apicurio/server.ts';
import { LocalKafkaCluster } from '../scripts/kafka/broker.ts';
import { PROJECT_ROOT } from '../scripts/kafka/paths.ts';
import { type Contender, timedCalls } from './contender.ts';
import { recordCount } from './offsets.ts';
import { throughputTable } from './report.ts';
import { resultsJson, throughputRows } from './results.ts';
import { alternatingRounds } from './throughput.ts';

/** The baseline writes the JSON as it is. */
type Contestant = ValueFormat | 'raw';

const KAFKA_BASE_PORT = 36092;
const REGISTRY_PORT = 36300;
const MESSAGES = 20_000;
const CHUNK = 100;
const PARTITIONS = 6;
const ROUNDS = 5;

/** The schema of the benchmark's orders in each format, with a nested item so no format is trivial. */
const SCHEMAS: Record<ValueFormat, { type: string; text: string }> = {
  avro: {
    type: 'AVRO',
    text: JSON.stringify({
      type: 'record',
      name: 'Order',
      namespace: 'bench',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'customer', type: 'string' },
        { name: 'total', type: 'double' },
        { name: 'note', type: 'string' },
        {
          name: 'items',
          type: {
            type: 'array',
            items: {
              type: 'record',
              name: 'Item',
              fields: [
                { name: 'sku', type: 'string' },
                { name: 'quantity', type: 'int' },
              ],
            },
          },
        },
      ],
    }),
  },
  'json-schema': {
    type: 'JSON',
    text: JSON.stringify({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      required: ['id', 'customer', 'total', 'note', 'items'],
      properties: {
        id: { type: 'string' },
        customer: { type: 'string' },
        total: { type: 'number' },
        note: { type: 'string' },
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['sku', 'quantity'],
            properties: { sku: { type: 'string' }, quantity: { type: 'integer' } },
          },
        },
      },
    }),
  },
  protobuf: {
    type: 'PROTOBUF',
    text: `syntax = "proto3";
package bench;
message Order {
  message Item {
    string sku = 1;
    int32 quantity = 2;
  }
  string id = 1;
  string customer = 2;
  double total = 3;
  string note = 4;
  repeated Item items = 5;
}
`,
  },
};

/** An order of about 256 bytes of JSON, the size the throughput workload uses. */
function order(i: number): string {
  return JSON.stringify({
    id: `order-${i}`,
    customer: `customer-${i % 1000}`,
    total: (i % 10_000) / 100,
    note: 'x'.repeat(120),
    items: [
      { sku: `sku-${i % 97}`, quantity: (i % 5) + 1 },
      { sku: `sku-${i % 89}`, quantity: 1 },
    ],
  });
}

export async function runSchemaProfile(): Promise<void> {
  const loadBefore = loadavg();
  console.log(
    `\nSchema profile: ${MESSAGES.toLocaleString('en-US')} JSON orders (~${Buffer.byteLength(order(0))} B), sync calls of ${CHUNK}, ${PARTITIONS} partitions, acks=all, 1 broker; Apicurio Registry (Confluent-compatible API); median of ${ROUNDS}`,
  );
  const [cluster, registry] = await Promise.all([
    LocalKafkaCluster.start({ name: 'bench-schema', nodeCount: 1, basePort: KAFKA_BASE_PORT }),
    LocalApicurio.start({ port: REGISTRY_PORT }),
  ]);
  try {
    const run = `schema-${Date.now()}`;
    const formats = ['raw', ...Object.keys(SCHEMAS)] as Contestant[];
    const topicOf = (format: Contestant) => `${run}-${format}`;
    const admin = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({
      topics: formats.map((f) => ({ topic: topicOf(f), numPartitions: PARTITIONS, replicationFactor: 1 })),
      waitForLeaders: true,
    });
    for (const [format, schema] of Object.entries(SCHEMAS)) {
      await registerSchema(registry.ccompatUrl, `${topicOf(format as Contestant)}-value`, schema);
    }

    const values = Array.from({ length: MESSAGES }, (_, i) => order(i));
    const contenders: Contender[] = [];
    for (const format of formats) {
      const serializer =
        format === 'raw'
          ? undefined
          : createValueSerializer({ format, registry: { kind: 'confluent', url: registry.ccompatUrl } });
      contenders.push(await schemaContender(cluster.brokers, topicOf(format), format, values, serializer));
    }
    const measured = await alternatingRounds(contenders, ROUNDS, MESSAGES);
    // Warm-up + timed rounds, every message acknowledged: each topic must hold them all.
    for (const m of measured) {
      m.undelivered = MESSAGES * (ROUNDS + 1) - (await recordCount(admin, topicOf(m.id as Contestant)));
    }
    await admin.disconnect();
    const payloadBytes = values.reduce((sum, v) => sum + Buffer.byteLength(v), 0);
    const rows = throughputRows(measured, { messages: MESSAGES, payloadBytes, baselineId: 'raw' });
    console.log(throughputTable(rows, 'raw'));
    console.log(
      `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const load = { before: loadBefore, after: loadavg() };
    const results = { measuredAt: new Date().toISOString(), messages: MESSAGES, chunk: CHUNK, load, rows };
    await writeFile(join(PROJECT_ROOT, 'bench', 'results', 'schema.json'), resultsJson(results));
    const lost = rows.filter((r) => (r.undelivered ?? 0) > 0);
    if (lost.length > 0)
      throw new Error(`acknowledged records missing from: ${lost.map((r) => r.id).join(', ')}`);
  } finally {
    await Promise.allSettled([cluster.stop(), registry.stop()]);
  }
}

/** The Writer in sync calls of CHUNK; each value serialized first when a serializer is given. */
async function schemaContender(
  brokers: string[],
  topic: string,
  format: Contestant,
  values: readonly string[],
  serializer: ValueSerializer | undefined,
): Promise<Contender> {
  const writer = new Writer({ brokers, topic, requiredAcks: RequiredAcks.All, batchSize: CHUNK });
  await writer.connect();
  const calls: string[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) calls.push(values.slice(i, i + CHUNK));
  const encode = async (call: readonly string[]): Promise<Message[]> => {
    if (!serializer) return call.map((value) => ({ key: null, value }));
    return await Promise.all(
      call.map(async (value) => {
        const encoded = await serializer.serialize(topic, value);
        return { key: null, value: encoded.value, ...(encoded.headers ? { headers: encoded.headers } : {}) };
      }),
    );
  };
  return {
    id: format,
    name: format === 'raw' ? 'Writer, raw JSON (baseline)' : `Writer, ${format} (Confluent framing)`,
    kind: format === 'raw' ? 'baseline' : 'writer',
    round: (onCall) => timedCalls(calls, async (call) => writer.writeMessages(await encode(call)), onCall),
    close: () => writer.close(),
  };
}

async function registerSchema(ccompatUrl: string, subject: string, schema: { type: string; text: string }) {
  const response = await fetch(`${ccompatUrl}/subjects/${subject}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: schema.type, schema: schema.text }),
  });
  if (!response.ok)
    throw new Error(`registering ${subject} answered ${response.status}: ${await response.text()}`);
}
