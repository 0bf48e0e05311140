import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createValueSerializer,
  SchemaOptionsError,
  SchemaRegistryError,
  SchemaValidationError,
  type ValueSerializerOptions,
} from '../../../lib/schema/index.ts';
import { gate } from '../../support/gate.ts';
import { SchemaRegistryStub } from '../../support/schema-registry-stub.ts';

const ORDER = '{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"}]}';
const PROTO =
  'syntax = "proto3"; package shop; message Order { string id = 1; message Line { string sku = 1; } }';
const LATEST = 'GET /subjects/orders-value/versions/latest';

let stub: SchemaRegistryStub;
beforeEach(async () => {
  stub = await SchemaRegistryStub.start();
});
afterEach(async () => {
  await stub.stop();
});

function serializer(options: Partial<ValueSerializerOptions> = {}) {
  return createValueSerializer({
    format: 'avro',
    registry: { kind: 'confluent', url: stub.url },
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection, the call succeeded'),
    (error: unknown) => error,
  );
}

describe('createValueSerializer with a Confluent-compatible registry', () => {
  it("frames the encoded value with the registry's id for <topic>-value (magic 0, id big-endian)", async () => {
    stub.add('orders-value', '{"type":"string"}');
    const id = stub.add('orders-value', ORDER);
    const { value, headers } = await serializer().serialize('orders', '{"id":5}');
    expect(value).toEqual(Buffer.from([0x00, 0, 0, 0, id, 0x0a]));
    expect(headers).toBeUndefined();
  });

  it('uses a pinned version when asked', async () => {
    const v1 = stub.add('orders-value', ORDER);
    stub.add('orders-value', '{"type":"string"}');
    const { value } = await serializer({ version: 1 }).serialize('orders', Buffer.from('{"id":1}'));
    expect(value.readInt32BE(1)).toBe(v1);
    expect(stub.requests).toEqual(['GET /subjects/orders-value/versions/1']);
  });

  it('adds Protobuf message indexes: [0] as the byte 0, a nested message as its path', async () => {
    const id = stub.add('orders-value', PROTO, 'PROTOBUF');
    const first = await serializer({ format: 'protobuf' }).serialize('orders', '{"id":"a"}');
    expect(first.value).toEqual(Buffer.from([0, 0, 0, 0, id, 0x00, 0x0a, 0x01, 0x61]));
    const nested = await serializer({ format: 'protobuf', messageName: 'shop.Order.Line' }).serialize(
      'orders',
      '{"sku":"b"}',
    );
    expect(nested.value).toEqual(Buffer.from([0, 0, 0, 0, id, 0x04, 0x00, 0x00, 0x0a, 0x01, 0x62]));
  });

  it('puts the schema GUID in __value_schema_id and leaves the value unprefixed when idInHeader', async () => {
    await stub.stop();
    stub = await SchemaRegistryStub.start({ guids: true });
    const id = stub.add('orders-value', PROTO, 'PROTOBUF');
    const guid = Buffer.from(
      `0000000000004000 8000${id.toString(16).padStart(12, '0')}`.replace(' ', ''),
      'hex',
    );
    const { value, headers } = await serializer({ format: 'protobuf', idInHeader: true }).serialize(
      'orders',
      '{"id":"a"}',
    );
    expect(value).toEqual(Buffer.from([0x0a, 0x01, 0x61]));
    expect(headers).toEqual({
      __value_schema_id: Buffer.concat([Buffer.from([0x01]), guid, Buffer.from([0x00])]),
    });
  });

  it('refuses idInHeader when the registry gives no GUID, saying so', async () => {
    stub.add('orders-value', ORDER);
    const error = await rejection(serializer({ idInHeader: true }).serialize('orders', '{"id":1}'));
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect((error as Error).message).toContain('gave no GUID for subject "orders-value"');
  });

  it('names subjects by the record and topic-record strategies', async () => {
    const a = stub.add('shop.Order', ORDER);
    const b = stub.add('orders-shop.Order', ORDER.replace('"long"', '"int"'));
    const byRecord = await serializer({ subjectStrategy: 'record', recordName: 'shop.Order' }).serialize(
      'orders',
      '{"id":1}',
    );
    const byTopicRecord = await serializer({ subjectStrategy: 'topic-record', schema: ORDER }).serialize(
      'orders',
      '{"id":1}',
    );
    expect([byRecord.value.readInt32BE(1), byTopicRecord.value.readInt32BE(1)]).toEqual([a, b]);
  });

  it('auto-registers the given schema when asked, and encodes with it', async () => {
    const { value } = await serializer({ autoRegister: true, schema: ORDER }).serialize('orders', '{"id":3}');
    expect(stub.requests).toEqual(['POST /subjects/orders-value/versions']);
    expect(value.readInt32BE(1)).toBe(stub.add('other-value', ORDER));
  });

  it('refuses a subject whose schema is of another format than configured', async () => {
    stub.add('orders-value', PROTO, 'PROTOBUF');
    const error = await rejection(serializer().serialize('orders', '{"id":1}'));
    expect((error as Error).message).toContain('holds a PROTOBUF schema, not AVRO as configured');
  });

  it('refuses a schema with references, and one that does not parse, as registry problems', async () => {
    stub.add('orders-value', ORDER, 'AVRO', { references: [{ name: 'x', subject: 'x', version: 1 }] });
    stub.add('bad-value', '{"type":"record"}');
    expect(((await rejection(serializer().serialize('orders', '{}'))) as Error).message).toContain(
      'has schema references, which are not supported yet',
    );
    const bad = await rejection(serializer().serialize('bad', '{}'));
    expect(bad).toBeInstanceOf(SchemaRegistryError);
    expect((bad as Error).message).toMatch(/the schema of .*\/subjects\/bad-value cannot be used/);
  });
});

describe('the per-container schema cache', () => {
  it('fetches a subject once for many messages, even when they ask at the same time', async () => {
    stub.add('orders-value', ORDER);
    const s = serializer();
    const values = await Promise.all(
      Array.from({ length: 25 }, (_, i) => s.serialize('orders', `{"id":${i}}`)),
    );
    await s.serialize('orders', '{"id":99}');
    expect(values).toHaveLength(25);
    expect(stub.count(LATEST)).toBe(1);
  });

  it('keeps one entry per subject', async () => {
    stub.add('orders-value', ORDER);
    stub.add('refunds-value', ORDER);
    const s = serializer();
    await Promise.all([s.serialize('orders', '{"id":1}'), s.serialize('refunds', '{"id":1}')]);
    await Promise.all([s.serialize('orders', '{"id":2}'), s.serialize('refunds', '{"id":2}')]);
    expect(stub.requests.sort()).toEqual([LATEST, 'GET /subjects/refunds-value/versions/latest']);
  });

  it('does not keep a failed fetch: every waiting message fails, the next one fetches again', async () => {
    stub.add('orders-value', ORDER);
    stub.failNext(1, 500, 50001);
    const s = serializer();
    const failed = await Promise.allSettled([
      s.serialize('orders', '{"id":1}'),
      s.serialize('orders', '{"id":2}'),
    ]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(failed.map((r) => (r as PromiseRejectedResult).reason)).toEqual([
      expect.any(SchemaRegistryError),
      expect.any(SchemaRegistryError),
    ]);
    expect(stub.count(LATEST)).toBe(1);

    await s.serialize('orders', '{"id":3}');
    await s.serialize('orders', '{"id":4}');
    expect(stub.count(LATEST)).toBe(2);
  });

  it("ends a message's wait at its signal; the fetch goes on and serves the next message", async () => {
    stub.add('orders-value', ORDER);
    const { held, release } = gate();
    stub.hold(held);
    const s = serializer();
    const controller = new AbortController();
    const waiting = rejection(s.serialize('orders', '{"id":1}', { signal: controller.signal }));
    const other = s.serialize('orders', '{"id":2}');
    controller.abort(new Error('invocation out of time'));
    const error = await waiting;
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect((error as Error).message).toContain('gave up waiting for the schema of');
    expect((error as Error).message).toContain('invocation out of time');

    release();
    await other;
    await s.serialize('orders', '{"id":3}');
    expect(stub.count(LATEST)).toBe(1);
  });

  it('fails at once on a signal already aborted when the schema is not cached yet', async () => {
    stub.add('orders-value', ORDER);
    const error = await rejection(
      serializer().serialize('orders', '{"id":1}', { signal: AbortSignal.abort() }),
    );
    expect(error).toBeInstanceOf(SchemaRegistryError);
  });

  it("tells the sender's mistakes from the registry's: invalid values are SchemaValidationErrors", async () => {
    stub.add('orders-value', ORDER);
    const s = serializer();
    for (const value of ['{"id":"x"}', 'not json', null, Buffer.from([0xff, 0xfe])]) {
      const error = await rejection(s.serialize('orders', value));
      expect(error).toBeInstanceOf(SchemaValidationError);
      expect(error).toMatchObject({ retriable: false, mayBeDelivered: false });
    }
    expect(((await rejection(s.serialize('orders', '{"id":"x"}'))) as SchemaValidationError).field).toBe(
      '/id',
    );
  });

  it('starts over after clearCache()', async () => {
    stub.add('orders-value', ORDER);
    const s = serializer();
    await s.serialize('orders', '{"id":1}');
    s.clearCache();
    await s.serialize('orders', '{"id":1}');
    expect(stub.count(LATEST)).toBe(2);
  });
});

describe('createValueSerializer options', () => {
  it('lists every problem at once', () => {
    let error: unknown;
    try {
      createValueSerializer({
        format: 'xml' as 'avro',
        registry: { kind: 'confluent', url: 'ftp://x' },
        subjectStrategy: 'record',
        version: 0,
        autoRegister: true,
        glueCompression: 'zlib',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchemaOptionsError);
    expect((error as SchemaOptionsError).problems).toEqual([
      'format must be one of avro, json-schema, protobuf',
      "version must be 'latest' or a positive integer, not 0",
      'autoRegister needs the schema to register (schema)',
      'subjectStrategy record needs a record name: recordName, or a schema that names its record',
      'registry.url must be an http(s) URL',
      'glueCompression is for the Glue registry only',
    ]);
  });

  it('refuses Confluent-only options with Glue, and a message name outside Protobuf', () => {
    expect(() =>
      createValueSerializer({
        format: 'avro',
        registry: { kind: 'glue', registryName: '' },
        idInHeader: true,
        messageName: 'x.Y',
      }),
    ).toThrow(/messageName is for Protobuf[\s\S]*registryName is required[\s\S]*idInHeader is for Confluent/);
  });

  it('does no I/O when created', () => {
    serializer();
    expect(stub.requests).toEqual([]);
  });
});
