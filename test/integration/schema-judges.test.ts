import { randomUUID } from 'node:crypto';
import { kafkaConsumer } from '@aws-lambda-powertools/kafka';
import { CreateRegistryCommand, CreateSchemaCommand, GlueClient } from '@aws-sdk/client-glue';
import { Kafka, logLevel } from 'kafkajs';
import protobuf from 'protobufjs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { useApicurio } from '../support/apicurio.ts';
import {
  ApicurioJudgeError,
  buildApicurioSerdePeers,
  readWithApicurioAvro,
  writeWithApicurioAvro,
} from '../support/judges/apicurio-java.ts';
import { decodeWithPowertools, PowertoolsJudgeError } from '../support/judges/powertools.ts';
import { confluentFrame, glueFrame, glueProtobufPayload } from '../support/judges/reference-frames.ts';
import { confluentRegistry, glueRegistry } from '../support/judges/registry-schemas.ts';
import { consumeWithKcat, type KcatRecord } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { createTopic } from '../support/topics.ts';

// The judges that decide whether records in Kafka decode for consumers that are not ours, proved
// here on records no serializer of ours wrote: Apicurio's own Java serializer, and frames built
// by hand from the documented layouts. Each judge must decode them to the input, and must fail
// on a wrong schema id or a corrupted payload.
const brokers = inject('kafkaBrokers');
const apicurio = useApicurio();
// moto stands in for the Glue Schema Registry; SDK clients built with no options reach it.
useMoto();

beforeAll(async () => {
  // The first run resolves Apicurio's serde jars with mvn; a failure fails every test below.
  await buildApicurioSerdePeers();
}, 600_000);

/** Registers `schema` under `subject` through the Confluent-compatible API; returns its id. */
async function register(subject: string, schema: string, schemaType?: 'PROTOBUF' | 'JSON'): Promise<number> {
  const response = await fetch(`${apicurio.registry().ccompatUrl}/subjects/${subject}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify(schemaType ? { schema, schemaType } : { schema }),
  });
  const body = await response.text();
  expect(response.status, body).toBe(200);
  return (JSON.parse(body) as { id: number }).id;
}

/** Writes raw values (hand-built frames) to a new one-partition topic and reads them back with kcat. */
async function throughKafka(values: readonly Buffer[]): Promise<KcatRecord[]> {
  const topic = await createTopic(brokers, { partitions: 1 });
  const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
  } finally {
    await producer.disconnect();
  }
  return consumeWithKcat(brokers, topic, { count: values.length });
}

/** One Confluent Protobuf value (magic byte and id already off) through Powertools alone, as JSON. */
async function powertoolsAlone(value: Buffer, type: protobuf.Type): Promise<unknown> {
  const handler = kafkaConsumer(
    async (event) => event.records.map((r) => (r.value as protobuf.Message).toJSON()),
    {
      value: { type: 'protobuf', schema: type },
    },
  );
  const record = {
    topic: 't',
    partition: 0,
    offset: 0,
    timestamp: 0,
    timestampType: 'CREATE_TIME',
    headers: [],
  };
  const event = {
    records: {
      't-0': [
        {
          ...record,
          value: value.toString('base64'),
          valueSchemaMetadata: { dataFormat: 'PROTOBUF', schemaId: '1' },
        },
      ],
    },
  };
  const [json] = (await handler(event as never, {} as never)) as unknown[];
  return json;
}

const ORDER_AVRO = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'qty', type: 'int' },
    { name: 'total', type: 'double' },
    { name: 'placedAt', type: 'long' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'note', type: ['null', 'string'], default: null },
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
});

// In Avro's JSON encoding, as the reference producer reads it: the union's value tagged.
const ORDERS_AVRO_JSON = [
  {
    id: 'o-1',
    qty: 2,
    total: 19.5,
    placedAt: 1_700_000_000_123,
    tags: ['gift', 'fragile'],
    note: { string: 'leave at the door' },
    line: { sku: 'sku-1', count: 3 },
    status: 'PAID',
  },
  {
    id: 'o-2',
    qty: -1,
    total: 0.25,
    placedAt: -1,
    tags: [],
    note: null,
    line: { sku: '', count: 0 },
    status: 'NEW',
  },
];
// The same orders as plain JSON, the union's value untagged.
const ORDERS = ORDERS_AVRO_JSON.map((order) => ({ ...order, note: order.note?.string ?? null }));

describe("Apicurio's Java serdes and Powertools judge Avro records in Confluent framing", () => {
  let topic: string;
  let schemaId: number;
  let records: KcatRecord[];

  beforeAll(async () => {
    topic = await createTopic(brokers, { partitions: 1 });
    schemaId = await register(`${topic}-value`, ORDER_AVRO);
    await writeWithApicurioAvro({
      brokers,
      topic,
      registryUrl: apicurio.registry().coreUrl,
      schema: ORDER_AVRO,
      values: ORDERS_AVRO_JSON,
    });
    records = await consumeWithKcat(brokers, topic, { count: ORDERS.length });
  }, 120_000);

  it('the reference producer writes magic byte 0 and the id the Confluent-compatible API assigned', () => {
    for (const record of records) {
      expect(record.value?.[0]).toBe(0);
      expect(record.value?.readUInt32BE(1)).toBe(schemaId);
    }
  });

  it("Apicurio's AvroKafkaDeserializer decodes them to the input", async () => {
    const decoded = await readWithApicurioAvro({
      brokers,
      topic,
      count: ORDERS.length,
      registryUrl: apicurio.registry().coreUrl,
    });
    expect(decoded.map((r) => r.value)).toEqual(ORDERS);
  });

  it("Powertools' kafkaConsumer decodes them to the input, with the registry's id as schemaId", async () => {
    const decoded = await decodeWithPowertools(records, {
      registry: confluentRegistry(apicurio.registry().ccompatUrl),
    });
    // avro-js, Powertools' Avro library, tags a union's value with its branch, as Avro's JSON encoding does.
    expect(decoded.map((r) => r.json)).toEqual(ORDERS_AVRO_JSON);
    expect(decoded.map((r) => r.valueSchemaMetadata)).toEqual(
      ORDERS.map(() => ({ dataFormat: 'AVRO', schemaId: String(schemaId) })),
    );
  });

  it('both judges fail a record whose schema id the registry does not know', async () => {
    const unknownId = Buffer.from(records[0]?.value as Buffer);
    unknownId.writeUInt32BE(schemaId + 1000, 1);
    const bad = await throughKafka([unknownId]);

    await expect(
      decodeWithPowertools(bad, { registry: confluentRegistry(apicurio.registry().ccompatUrl) }),
    ).rejects.toThrow(/schema id \d+ is not in the registry/);
    await expect(apicurioReads(bad)).rejects.toThrow(ApicurioJudgeError);
  });

  it('both judges fail a truncated payload and a value without the magic byte', async () => {
    const valid = records[0]?.value as Buffer;
    const truncated = valid.subarray(0, valid.length - 3);
    const noMagic = Buffer.concat([Buffer.from([1]), valid.subarray(1)]);
    const bad = await throughKafka([truncated, noMagic]);

    const powertools = await decodeWithPowertools(bad, {
      registry: confluentRegistry(apicurio.registry().ccompatUrl),
    }).catch((error: unknown) => error);
    expect(powertools).toBeInstanceOf(PowertoolsJudgeError);
    expect((powertools as PowertoolsJudgeError).failures.map((f) => f.error)).toEqual([
      expect.stringMatching(/truncated buffer/),
      expect.stringMatching(/magic byte 0, this one with 1/),
    ]);
    const java = await apicurioReads(bad).catch((error: unknown) => error);
    expect(java).toBeInstanceOf(ApicurioJudgeError);
    expect((java as ApicurioJudgeError).failures).toHaveLength(2);
  });

  it('neither judge decodes to the input a record framed with the id of another schema', async () => {
    const otherId = await register(
      `${topic}-other-value`,
      JSON.stringify({
        type: 'record',
        name: 'Pair',
        fields: [
          { name: 'a', type: 'int' },
          { name: 'b', type: 'int' },
        ],
      }),
    );
    const misframed = Buffer.from(records[0]?.value as Buffer);
    misframed.writeUInt32BE(otherId, 1);
    const bad = await throughKafka([misframed]);

    await expect(
      decodeWithPowertools(bad, { registry: confluentRegistry(apicurio.registry().ccompatUrl) }),
    ).rejects.toThrow(/trailing data/);
    // Apicurio's Java decoder does not check for trailing bytes: it decodes without an error,
    // to other values (the order's first bytes, 0x06 = string length 3 and 0x6f = 'o', read as the
    // zigzag ints 3 and -56), so a test comparing with the input fails there.
    const java = await apicurioReads(bad);
    expect(java.map((r) => r.value)).toEqual([{ a: 3, b: -56 }]);
  });

  async function apicurioReads(bad: KcatRecord[]) {
    return readWithApicurioAvro({
      brokers,
      topic: bad[0]?.topic as string,
      count: bad.length,
      registryUrl: apicurio.registry().coreUrl,
    });
  }
});

// Payloads encoded by hand from the format specifications, so that no library's encoder is trusted.

/** Avro binary (Avro specification, "Binary Encoding"): an int or long is a zigzag varint, a string its length then UTF-8. */
function avroLong(n: number): Buffer {
  let zigzag = BigInt(n) >= 0n ? BigInt(n) * 2n : -BigInt(n) * 2n - 1n;
  const bytes: number[] = [];
  do {
    const low = Number(zigzag & 0x7fn);
    zigzag >>= 7n;
    bytes.push(zigzag > 0n ? low | 0x80 : low);
  } while (zigzag > 0n);
  return Buffer.from(bytes);
}
const avroString = (text: string) => Buffer.concat([avroLong(Buffer.byteLength(text)), Buffer.from(text)]);

const PERSON_AVRO = JSON.stringify({
  type: 'record',
  name: 'Person',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int' },
  ],
});
const PEOPLE = [
  { name: 'Powertools', age: 5 },
  { name: 'Zoë', age: -300 },
];
const personAvro = ({ name, age }: { name: string; age: number }) =>
  Buffer.concat([avroString(name), avroLong(age)]);

// A nested message, so that the Confluent message-index array of acme.Order.Line is [0, 0].
const ORDER_PROTO = `syntax = "proto3";
package acme;

message Order {
  string id = 1;
  message Line {
    string sku = 1;
    int64 qty = 2;
    repeated string tags = 3;
  }
  repeated Line lines = 2;
}

message Other {
  string x = 1;
}
`;

/**
 * Protobuf wire format (protobuf.dev, "Encoding"): each field is a tag ((number << 3) | wire
 * type) then its value; wire type 0 is a varint, 2 a length-delimited string. Lengths and
 * values here stay below 128, one byte each.
 */
function protoString(field: number, text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([(field << 3) | 2, bytes.length]), bytes]);
}
const protoVarint = (field: number, value: number) => Buffer.from([(field << 3) | 0, value]);
const LINE = { sku: 'abc-123', qty: '7', tags: ['gift', 'fragile'] };
const LINE_PROTO = Buffer.concat([
  protoString(1, LINE.sku),
  protoVarint(2, 7),
  ...LINE.tags.map((tag) => protoString(3, tag)),
]);
const ORDER = { id: 'o-1' };
const ORDER_PROTO_BYTES = protoString(1, ORDER.id);
const OTHER = { x: 'other' };
const OTHER_PROTO_BYTES = protoString(1, OTHER.x);

const EVENTS = [
  { id: 'e-1', amount: 12.5, tags: ['a'] },
  { id: 'e-2', nested: { deep: [1, 2, { x: null }] } },
  'just a string',
];
const EVENT_SCHEMA = JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#' });

describe('Powertools judges Protobuf and JSON Schema records in Confluent framing (frames built by hand)', () => {
  const registry = () => confluentRegistry(apicurio.registry().ccompatUrl);

  it('decodes a nested message (indexes [0, 0]), a first message ([0]) and a second one ([1]) to the input', async () => {
    const id = await register(`proto-${Date.now()}-value`, ORDER_PROTO, 'PROTOBUF');
    const cases = [
      { message: 'acme.Order.Line', frame: confluentFrame(id, LINE_PROTO, [0, 0]), expected: LINE },
      { message: 'acme.Order', frame: confluentFrame(id, ORDER_PROTO_BYTES, [0]), expected: ORDER },
      { message: 'acme.Other', frame: confluentFrame(id, OTHER_PROTO_BYTES, [1]), expected: OTHER },
    ];
    for (const { message, frame, expected } of cases) {
      const records = await throughKafka([frame]);
      const decoded = await decodeWithPowertools(records, { registry: registry(), protobufMessage: message });
      expect(
        decoded.map((r) => r.json),
        message,
      ).toEqual([expected]);
      expect(decoded[0]?.valueSchemaMetadata).toEqual({ dataFormat: 'PROTOBUF', schemaId: String(id) });
    }
  });

  it('gives the same verdict whatever Powertools decoded before (Powertools 2.35.0 alone does not)', async () => {
    const id = await register(`proto-state-${Date.now()}-value`, ORDER_PROTO, 'PROTOBUF');
    const nested = confluentFrame(id, LINE_PROTO, [0, 0]);
    const line = protobuf.parse(ORDER_PROTO).root.lookupType('acme.Order.Line');
    // Put Powertools' remembered index reading back to int32 with a record only that reading
    // decodes: count byte 02 (int32 2, sint32 1), then 07 07, then field 1 = "A". sint32 skips one
    // byte and meets tag 07 (wire type 7: invalid); int32 skips two and decodes.
    const flipper = protobuf.parse('syntax = "proto3"; message F { string p = 1; }').root.lookupType('F');
    expect(await powertoolsAlone(Buffer.from([0x02, 0x07, 0x07, 0x0a, 0x01, 0x41]), flipper)).toEqual({
      p: 'A',
    });
    // Now Powertools alone reads the nested message's [0, 0] (04 00 00) as "skip 4 bytes" and
    // loses the first two fields without an error (the sku's 'a' then reads as the tag of a 64-bit
    // field, which swallows the rest of sku and qty): the reason the judge primes it.
    expect(await powertoolsAlone(nested.subarray(5), line)).toEqual({ tags: LINE.tags });

    const decoded = await decodeWithPowertools(await throughKafka([nested]), {
      registry: registry(),
      protobufMessage: 'acme.Order.Line',
    });
    expect(decoded.map((r) => r.json)).toEqual([LINE]);
  });

  it('fails a Protobuf record with an unknown id or a truncated payload', async () => {
    const id = await register(`proto-bad-${Date.now()}-value`, ORDER_PROTO, 'PROTOBUF');
    const records = await throughKafka([
      confluentFrame(id + 1000, LINE_PROTO, [0, 0]),
      confluentFrame(id, LINE_PROTO.subarray(0, LINE_PROTO.length - 3), [0, 0]),
    ]);

    const error = await decodeWithPowertools(records, {
      registry: registry(),
      protobufMessage: 'acme.Order.Line',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PowertoolsJudgeError);
    expect((error as PowertoolsJudgeError).failures.map((f) => f.error)).toEqual([
      expect.stringMatching(/is not in the registry/),
      expect.stringMatching(/KafkaConsumerDeserializationError.*index out of range/),
    ]);
  });

  it('decodes JSON Schema records to the input', async () => {
    const id = await register(`json-${Date.now()}-value`, EVENT_SCHEMA, 'JSON');
    const records = await throughKafka(
      EVENTS.map((event) => confluentFrame(id, Buffer.from(JSON.stringify(event)))),
    );

    const decoded = await decodeWithPowertools(records, { registry: registry() });
    expect(decoded.map((r) => r.json)).toEqual(EVENTS);
    expect(decoded.map((r) => r.valueSchemaMetadata.dataFormat)).toEqual(EVENTS.map(() => 'JSON'));
  });

  it('fails a JSON record that does not parse (Powertools would hand on the text) and one without framing', async () => {
    const id = await register(`json-bad-${Date.now()}-value`, EVENT_SCHEMA, 'JSON');
    const records = await throughKafka([
      confluentFrame(id, Buffer.from('{"id": "e-1",')),
      Buffer.from('{"id":"e-1"}'),
    ]);

    const error = await decodeWithPowertools(records, { registry: registry() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PowertoolsJudgeError);
    expect((error as PowertoolsJudgeError).failures.map((f) => f.error)).toEqual([
      expect.stringMatching(/did not parse; Powertools handed on its text/),
      expect.stringMatching(/magic byte 0, this one with 123/),
    ]);
  });
});

describe('Powertools judges records in Glue framing, ids from the Glue Schema Registry (moto)', () => {
  let glue: GlueClient;
  const registryName = `judges-${Date.now()}`;

  beforeAll(async () => {
    glue = new GlueClient({});
    await glue.send(new CreateRegistryCommand({ RegistryName: registryName }));
  });

  async function createSchema(name: string, dataFormat: 'AVRO' | 'PROTOBUF' | 'JSON', definition: string) {
    const created = await glue.send(
      new CreateSchemaCommand({
        RegistryId: { RegistryName: registryName },
        SchemaName: name,
        DataFormat: dataFormat,
        Compatibility: 'NONE',
        SchemaDefinition: definition,
      }),
    );
    return created.SchemaVersionId as string;
  }

  it('decodes Avro, uncompressed and zlib-compressed, with the schema version UUID as schemaId', async () => {
    const versionId = await createSchema('person', 'AVRO', PERSON_AVRO);
    const records = await throughKafka([
      glueFrame(versionId, personAvro(PEOPLE[0] as (typeof PEOPLE)[0])),
      glueFrame(versionId, personAvro(PEOPLE[1] as (typeof PEOPLE)[0]), { zlib: true }),
    ]);

    const decoded = await decodeWithPowertools(records, { registry: glueRegistry(glue) });
    expect(decoded.map((r) => r.json)).toEqual(PEOPLE);
    expect(decoded.map((r) => r.valueSchemaMetadata)).toEqual(
      PEOPLE.map(() => ({ dataFormat: 'AVRO', schemaId: versionId })),
    );
  });

  it('decodes a nested Protobuf message (Glue message index 1) and JSON', async () => {
    // Glue numbers acme.Order (0), acme.Order.Line (1), acme.Other (2): all messages by full name.
    const protoId = await createSchema('order-proto', 'PROTOBUF', ORDER_PROTO);
    const jsonId = await createSchema('event-json', 'JSON', EVENT_SCHEMA);
    const protoRecords = await throughKafka([glueFrame(protoId, glueProtobufPayload(1, LINE_PROTO))]);
    const jsonRecords = await throughKafka(
      EVENTS.map((e) => glueFrame(jsonId, Buffer.from(JSON.stringify(e)))),
    );

    const line = await decodeWithPowertools(protoRecords, {
      registry: glueRegistry(glue),
      protobufMessage: 'acme.Order.Line',
    });
    expect(line.map((r) => r.json)).toEqual([LINE]);
    const events = await decodeWithPowertools(jsonRecords, { registry: glueRegistry(glue) });
    expect(events.map((r) => r.json)).toEqual(EVENTS);
  });

  it('fails an unknown schema version, a wrong header version and an unknown compression byte', async () => {
    const versionId = await createSchema('person-bad', 'AVRO', PERSON_AVRO);
    const payload = personAvro(PEOPLE[0] as (typeof PEOPLE)[0]);
    const wrongVersion = glueFrame(versionId, payload);
    wrongVersion[0] = 2;
    const wrongCompression = glueFrame(versionId, payload);
    wrongCompression[1] = 9;
    const records = await throughKafka([glueFrame(randomUUID(), payload), wrongVersion, wrongCompression]);

    const error = await decodeWithPowertools(records, { registry: glueRegistry(glue) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PowertoolsJudgeError);
    expect((error as PowertoolsJudgeError).failures.map((f) => f.error)).toEqual([
      expect.stringMatching(/is not in the registry/),
      expect.stringMatching(/header version 3, this one with 2/),
      expect.stringMatching(/compression byte is 0 \(none\) or 5 \(zlib\), this one is 9/),
    ]);
  });
});
