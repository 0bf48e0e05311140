import { kafkaConsumer } from '@aws-lambda-powertools/kafka';
import type { ConsumerRecord, SchemaConfigValue } from '@aws-lambda-powertools/kafka/types';
import protobuf from 'protobufjs';
import { unframeValue } from './esm-unframe.ts';
import { type DeliveredValue, type JudgedRecord, selfManagedKafkaEvent } from './lambda-kafka-event.ts';
import { primeConfluentIndexReading } from './powertools-protobuf-primer.ts';
import type { RegisteredSchema, SchemaRegistryRef } from './registry-schemas.ts';

/** Options of {@link decodeWithPowertools}. */
export interface PowertoolsJudgeOptions {
  /** The registry the event source mapping is integrated with: `confluentRegistry(url)` or `glueRegistry()`. */
  registry: SchemaRegistryRef;
  /**
   * Protobuf only: the fully qualified message the handler decodes to (`acme.Order.Line`).
   * Powertools takes one compiled type per handler and never reads which message a record names.
   */
  protobufMessage?: string;
  /** `bootstrapServers` of the event; cosmetic. */
  brokers?: readonly string[];
}

/** One record as a Powertools `kafkaConsumer` handler received it. */
export interface PowertoolsDecodedRecord {
  topic: string;
  partition: number;
  offset: number;
  /** As the handler got it: with no key schema configured, Powertools decodes the key as UTF-8 text. */
  key: unknown;
  /** As the handler got it: avro-js' record object, a protobufjs message, or the parsed JSON. */
  value: unknown;
  /**
   * `value` as plain JSON: Avro and JSON values through JSON.stringify, a Protobuf message through
   * its toJSON() (protobufjs: lowerCamelCase names, 64-bit integers as strings, enums by name,
   * bytes as base64, fields absent from the wire left out).
   */
  json: unknown;
  headers: Record<string, string>[] | null;
  valueSchemaMetadata: { dataFormat: string; schemaId: string };
}

/** One or more records did not decode; `failures` says which and why, `decoded` holds the rest. */
export class PowertoolsJudgeError extends Error {
  constructor(
    readonly failures: { partition: number; offset: number; error: string }[],
    readonly decoded: PowertoolsDecodedRecord[],
  ) {
    const lines = failures.map((f) => `  ${f.partition}/${f.offset}: ${f.error}`);
    super(`Powertools' kafkaConsumer could not decode ${failures.length} record(s):\n${lines.join('\n')}`);
    this.name = 'PowertoolsJudgeError';
  }
}

/**
 * The Powertools judge: hands `records` (as kcat read them from Kafka) to a handler wrapped in
 * `@aws-lambda-powertools/kafka`'s `kafkaConsumer`, in the event Lambda's event source mapping
 * sends when a schema registry is integrated in SOURCE format, and returns what the handler
 * received, in input order.
 *
 * Per record, as the event source mapping does it: the framing header is taken off and the
 * schema id resolved in `registry` (an unknown id fails the record); the handler's schema config
 * is the registry's schema for that id: Avro -> `{ type: 'avro', schema }`, Protobuf ->
 * `{ type: 'protobuf', schema }` with the type compiled from the registered .proto text by
 * protobufjs, JSON -> `{ type: 'json' }`. Everything after the header is Powertools' work:
 * Avro decoding (avro-js, no trailing bytes allowed), stripping the Protobuf message indexes
 * (Confluent: the array; Glue: the one index) and decoding, JSON parsing.
 *
 * Rejects with a {@link PowertoolsJudgeError} naming each record that did not decode: a wrong
 * framing, an unknown id, Powertools' deserialization error, or a JSON value that did not parse
 * (Powertools hands the text on in that case; the judge counts it as a failure).
 *
 * @example
 * const records = await consumeWithKcat(brokers, topic, { count: 2 });
 * const decoded = await decodeWithPowertools(records, { registry: confluentRegistry(registry.ccompatUrl) });
 * expect(decoded.map((r) => r.json)).toEqual(inputs);
 */
export async function decodeWithPowertools(
  records: readonly JudgedRecord[],
  options: PowertoolsJudgeOptions,
): Promise<PowertoolsDecodedRecord[]> {
  const failures: PowertoolsJudgeError['failures'] = [];
  const bySchema = new Map<string, { record: JudgedRecord; delivered: DeliveredValue }[]>();
  for (const record of records) {
    try {
      if (record.value === null) throw new Error('null value (tombstone): no schema to judge it by');
      const { schemaId, payload } = unframeValue(record.value, options.registry.framing);
      const group = bySchema.get(schemaId) ?? [];
      group.push({ record, delivered: { value: payload } });
      bySchema.set(schemaId, group);
    } catch (error) {
      failures.push({ partition: record.partition, offset: record.offset, error: String(error) });
    }
  }

  const decoded: PowertoolsDecodedRecord[] = [];
  for (const [schemaId, group] of bySchema) {
    let schema: RegisteredSchema;
    let config: SchemaConfigValue;
    try {
      schema = await options.registry.schemaById(schemaId);
      config = powertoolsConfig(schema, options.protobufMessage);
    } catch (error) {
      for (const { record } of group) failures.push({ ...where(record), error: String(error) });
      continue;
    }
    const metadata = { dataFormat: schema.dataFormat, schemaId };
    for (const item of group) item.delivered.valueSchemaMetadata = metadata;
    if (schema.dataFormat === 'PROTOBUF' && options.registry.framing === 'confluent') {
      await primeConfluentIndexReading();
    }
    const handler = kafkaConsumer(async (event) => event.records.map((record) => received(record)), {
      value: config,
    });
    const event = selfManagedKafkaEvent(options.brokers ?? [], group);
    const payloads = new Map(group.map(({ record, delivered }) => [recordKey(record), delivered.value]));
    const { result, logged } = await invokeQuietly(() => handler(event, {} as never) as Promise<Received[]>);
    for (const { record, fields, error } of result) {
      const payload = payloads.get(recordKey(record)) ?? Buffer.alloc(0);
      const problem = error ?? jsonFallback(schema, fields?.value, payload, logged);
      if (problem !== undefined || !fields)
        failures.push({ ...where(record), error: problem ?? 'not decoded' });
      else decoded.push(toDecoded(record, fields, schema));
    }
  }

  const order = new Map(records.map((record, i) => [recordKey(record), i]));
  const position = (r: { topic?: string; partition: number; offset: number }) => order.get(recordKey(r)) ?? 0;
  decoded.sort((a, b) => position(a) - position(b));
  failures.sort((a, b) => position(a) - position(b));
  if (failures.length > 0) throw new PowertoolsJudgeError(failures, decoded);
  return decoded;
}

/** What the handler saw of one record: the lazily decoded fields, read once, or why they did not decode. */
type Received = {
  record: ConsumerRecord<unknown, unknown>;
  fields?: Pick<PowertoolsDecodedRecord, 'key' | 'value' | 'headers'>;
  error?: string;
};

/** Reads the lazily decoded fields inside the handler, as a user's handler would. */
function received(record: ConsumerRecord<unknown, unknown>): Received {
  try {
    return { record, fields: { value: record.value, key: record.key, headers: record.headers ?? null } };
  } catch (error) {
    return { record, error: String(error) };
  }
}

/**
 * Runs the handler with console.error captured: Powertools logs there when a JSON value does not
 * parse, and the judge reports that as a failure instead of letting it scroll by.
 */
async function invokeQuietly<T>(invoke: () => Promise<T>): Promise<{ result: T; logged: string[] }> {
  const logged: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => {
    logged.push(args.map(String).join(' '));
  };
  try {
    return { result: await invoke(), logged };
  } finally {
    console.error = original;
  }
}

function powertoolsConfig(schema: RegisteredSchema, protobufMessage: string | undefined): SchemaConfigValue {
  if (schema.dataFormat === 'AVRO') return { type: 'avro', schema: schema.definition };
  if (schema.dataFormat === 'JSON') return { type: 'json' };
  if (!protobufMessage)
    throw new Error('a Protobuf schema needs options.protobufMessage: which message to decode');
  // What a user's build does with protobufjs' CLI, done at run time from the registry's .proto text.
  const parsed = protobuf.parse(schema.definition);
  if (parsed.imports?.length || parsed.weakImports?.length) {
    throw new Error(
      `the judge compiles one .proto file; this one imports ${[...(parsed.imports ?? [])].join(', ')}`,
    );
  }
  return { type: 'protobuf', schema: parsed.root.lookupType(protobufMessage) };
}

/** Powertools logs and hands on the text when a JSON value does not parse: a judge fails it. */
function jsonFallback(
  schema: RegisteredSchema,
  value: unknown,
  payload: Buffer,
  logged: readonly string[],
): string | undefined {
  if (schema.dataFormat !== 'JSON' || typeof value !== 'string' || value !== payload.toString('utf8'))
    return undefined;
  const log = logged.find((line) => line.includes(payload.toString('base64'))) ?? 'nothing logged';
  return `the JSON value did not parse; Powertools handed on its text ${JSON.stringify(value.slice(0, 200))} and logged: ${log.split('\n')[0]}`;
}

function toDecoded(
  record: ConsumerRecord<unknown, unknown>,
  fields: NonNullable<Received['fields']>,
  schema: RegisteredSchema,
): PowertoolsDecodedRecord {
  const { key, value, headers } = fields;
  const json =
    schema.dataFormat === 'PROTOBUF'
      ? (value as protobuf.Message).toJSON()
      : value === undefined
        ? undefined
        : JSON.parse(JSON.stringify(value));
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key,
    value,
    json,
    headers,
    valueSchemaMetadata: record.valueSchemaMetadata as PowertoolsDecodedRecord['valueSchemaMetadata'],
  };
}

/** Records are told apart by partition and offset (a judge call reads one topic). */
function recordKey(record: { partition: number; offset: number }): string {
  return `${record.partition}/${record.offset}`;
}

function where(record: { partition: number; offset: number }) {
  return { partition: record.partition, offset: record.offset };
}
