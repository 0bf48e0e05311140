import avro from 'avsc';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  createValueSerializer,
  SchemaRegistryError,
  SchemaValidationError,
  type ValueSerializerOptions,
} from '../../lib/schema/index.ts';
import { useApicurio } from '../support/apicurio.ts';

const ORDER_AVRO = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: ['null', 'string'], default: null },
    {
      name: 'lines',
      type: {
        type: 'array',
        items: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }] },
      },
    },
  ],
});
const ORDER_JSON_SCHEMA = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'shop.Order',
  type: 'object',
  properties: { id: { type: 'integer' }, email: { type: 'string', format: 'email' } },
  required: ['id'],
  additionalProperties: false,
});
const ORDER_PROTO = `syntax = "proto3";
package shop.v1;

message Envelope { string trace = 1; }

message Order {
  string id = 1;
  message Line {
    string sku = 1;
    int32 qty = 2;
  }
  repeated Line lines = 2;
}
`;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection, the call succeeded'),
    (error: unknown) => error,
  );
}

// Apicurio Registry 3 (the project's scripts start it), reached as every Confluent client reaches a
// registry: its Confluent-compatible API. Schemas are registered the way a producer team would
// (POST /subjects/{subject}/versions), then the serializer must frame with the id Apicurio gave.
describe('schema serializer against Apicurio Registry (ccompat API)', () => {
  const apicurio = useApicurio();
  const url = () => apicurio.registry().ccompatUrl;

  async function register(subject: string, schema: string, schemaType?: string): Promise<number> {
    const response = await fetch(`${url()}/subjects/${encodeURIComponent(subject)}/versions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify(schemaType ? { schema, schemaType } : { schema }),
    });
    expect(response.status).toBe(200);
    const { id } = (await response.json()) as { id: number };
    return id;
  }

  function serializer(options: Partial<ValueSerializerOptions>) {
    return createValueSerializer({ format: 'avro', registry: { kind: 'confluent', url: url() }, ...options });
  }

  it('Avro: magic 0, the id Apicurio assigned, then the Avro binary of the plain JSON', async () => {
    const id = await register('avro-orders-value', ORDER_AVRO);
    const { value } = await serializer({}).serialize('avro-orders', '{"id":12,"lines":[{"sku":"A-1"}]}');
    expect(value[0]).toBe(0);
    expect(value.readInt32BE(1)).toBe(id);
    const decoded = avro.Type.forSchema(JSON.parse(ORDER_AVRO)).fromBuffer(value.subarray(5));
    expect(JSON.parse(JSON.stringify(decoded))).toEqual({ id: 12, customer: null, lines: [{ sku: 'A-1' }] });
  });

  it('JSON Schema: the id, then the JSON text; invalid values name their field', async () => {
    const id = await register('json-orders-value', ORDER_JSON_SCHEMA, 'JSON');
    const s = serializer({ format: 'json-schema' });
    const { value } = await s.serialize('json-orders', '{"id":3,"email":"a@example.com"}');
    expect(value.readInt32BE(1)).toBe(id);
    expect(value.subarray(5).toString()).toBe('{"id":3,"email":"a@example.com"}');

    const invalid = await rejection(s.serialize('json-orders', '{"id":3,"email":"nope"}'));
    expect(invalid).toBeInstanceOf(SchemaValidationError);
    expect((invalid as SchemaValidationError).field).toBe('/email');
  });

  it('Protobuf, nested message: the id, the message indexes [1, 0], then the message', async () => {
    const id = await register('proto-orders-value', ORDER_PROTO, 'PROTOBUF');
    const { value } = await serializer({ format: 'protobuf', messageName: 'shop.v1.Order.Line' }).serialize(
      'proto-orders',
      '{"sku":"B-2","qty":4}',
    );
    expect(value.readInt32BE(1)).toBe(id);
    // count 2, indexes 1 (Order is the file's second message) and 0 (Line, its first nested one)
    expect([...value.subarray(5, 8)]).toEqual([0x04, 0x02, 0x00]);
    const line = protobuf.parse(ORDER_PROTO).root.lookupType('shop.v1.Order.Line');
    expect(line.toObject(line.decode(value.subarray(8)))).toEqual({ sku: 'B-2', qty: 4 });

    const first = await serializer({ format: 'protobuf' }).serialize('proto-orders', '{"trace":"t"}');
    expect(first.value.readInt32BE(1)).toBe(id);
    expect(first.value[5]).toBe(0x00); // [0], the file's first message: the single byte 0
  });

  it('auto-registers the given schema under the record strategy, and Apicurio then serves it', async () => {
    const s = serializer({ subjectStrategy: 'record', autoRegister: true, schema: ORDER_AVRO });
    const { value } = await s.serialize('any-topic', '{"id":1,"lines":[]}');
    const latest = (await (await fetch(`${url()}/subjects/shop.Order/versions/latest`)).json()) as {
      id: number;
    };
    expect(value.readInt32BE(1)).toBe(latest.id);
  });

  it('reads a pinned version', async () => {
    const v1 = await register('pinned-value', ORDER_AVRO);
    await register('pinned-value', ORDER_AVRO.replace('"default":null', '"default":null,"doc":"v2"'));
    const { value } = await serializer({ version: 1 }).serialize('pinned', '{"id":1,"lines":[]}');
    expect(value.readInt32BE(1)).toBe(v1);
  });

  it("says which subject is missing in Apicurio's terms", async () => {
    const error = await rejection(serializer({}).serialize('unregistered', '{"id":1}'));
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect(error).toMatchObject({ status: 404 });
    expect((error as Error).message).toContain('subject "unregistered-value" is not registered');
  });

  it('registry down mid-run: cached subjects keep working, new ones fail retriably, and recover after', async () => {
    await register('steady-value', ORDER_AVRO);
    const s = serializer({});
    const before = await s.serialize('steady', '{"id":1,"lines":[]}');

    await apicurio.stop();
    const cached = await s.serialize('steady', '{"id":2,"lines":[]}');
    expect(cached.value.subarray(0, 5)).toEqual(before.value.subarray(0, 5));
    const down = await rejection(s.serialize('other', '{"id":1,"lines":[]}'));
    expect(down).toBeInstanceOf(SchemaRegistryError);
    expect(down).toMatchObject({ retriable: true, mayBeDelivered: false });
    expect((down as Error).message).toContain('could not be reached');

    await apicurio.restart();
    // The restarted registry is empty (in-memory): the producers' schema is registered again.
    const id = await register('other-value', ORDER_AVRO);
    const after = await s.serialize('other', '{"id":1,"lines":[]}');
    expect(after.value.readInt32BE(1)).toBe(id);
    // Restarting the registry is a server start (~6 s idle, over a minute on a loaded machine).
  }, 240_000);
});
