import { inflateSync } from 'node:zlib';
import {
  CreateRegistryCommand,
  CreateSchemaCommand,
  GetSchemaByDefinitionCommand,
  GetSchemaVersionCommand,
  GlueClient,
  RegisterSchemaVersionCommand,
} from '@aws-sdk/client-glue';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createValueSerializer,
  GlueRegistryClient,
  SchemaRegistryError,
  SchemaValidationError,
} from '../../lib/schema/index.ts';
import { useMoto } from '../support/moto.ts';

const REGISTRY = 'bridge-schemas';
const ORDER = '{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"}]}';
const PROTO = `syntax = "proto3";
package shop;
message Order { string id = 1; message Line { string sku = 1; } }
message Audit { string who = 1; }`;
const JSON_SCHEMA = '{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection, the call succeeded'),
    (error: unknown) => error,
  );
}

// The AWS Glue Schema Registry API from moto's server (5.x implements CreateRegistry, CreateSchema,
// RegisterSchemaVersion, GetSchemaVersion and GetSchemaByDefinition). Clients take the endpoint
// and region from the environment useMoto() sets, as the deployed functions do.
describe('Glue Schema Registry (moto)', () => {
  useMoto();
  let glue: GlueClient;

  beforeAll(async () => {
    glue = new GlueClient({});
    await glue.send(new CreateRegistryCommand({ RegistryName: REGISTRY }));
  });

  async function createSchema(name: string, format: 'AVRO' | 'JSON' | 'PROTOBUF', definition: string) {
    const created = await glue.send(
      new CreateSchemaCommand({
        RegistryId: { RegistryName: REGISTRY },
        SchemaName: name,
        DataFormat: format,
        Compatibility: 'NONE',
        SchemaDefinition: definition,
      }),
    );
    return created.SchemaVersionId as string;
  }

  function uuidOf(frame: Buffer): string {
    const hex = frame.subarray(2, 18).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  it("frames Avro with 0x03, 0x00 and the latest version's UUID; the schema is named after the topic", async () => {
    await createSchema('orders', 'AVRO', '{"type":"string"}');
    const versionId = (
      await glue.send(
        new RegisterSchemaVersionCommand({
          SchemaId: { RegistryName: REGISTRY, SchemaName: 'orders' },
          SchemaDefinition: ORDER,
        }),
      )
    ).SchemaVersionId;
    const latest = await glue.send(
      new GetSchemaVersionCommand({
        SchemaId: { RegistryName: REGISTRY, SchemaName: 'orders' },
        SchemaVersionNumber: { LatestVersion: true },
      }),
    );
    expect(latest.SchemaVersionId).toBe(versionId);

    const serializer = createValueSerializer({
      format: 'avro',
      registry: { kind: 'glue', registryName: REGISTRY },
    });
    const { value, headers } = await serializer.serialize('orders', '{"id":21}');
    expect(value.subarray(0, 2)).toEqual(Buffer.from([0x03, 0x00]));
    expect(uuidOf(value)).toBe(versionId);
    expect(avro.Type.forSchema(JSON.parse(ORDER)).fromBuffer(value.subarray(18))).toEqual(
      expect.objectContaining({ id: 21 }),
    );
    expect(headers).toBeUndefined();
  });

  it('reads a pinned version by number', async () => {
    const first = await createSchema('pinned', 'AVRO', ORDER);
    await glue.send(
      new RegisterSchemaVersionCommand({
        SchemaId: { RegistryName: REGISTRY, SchemaName: 'pinned' },
        SchemaDefinition: '{"type":"string"}',
      }),
    );
    const serializer = createValueSerializer({
      format: 'avro',
      registry: { kind: 'glue', registryName: REGISTRY },
      version: 1,
    });
    expect(uuidOf((await serializer.serialize('pinned', '{"id":1}')).value)).toBe(first);
  });

  it("puts Glue's message index before a Protobuf message: nested messages sort by full name", async () => {
    const versionId = await createSchema('audits', 'PROTOBUF', PROTO);
    const serializer = createValueSerializer({
      format: 'protobuf',
      registry: { kind: 'glue', registryName: REGISTRY },
      messageName: 'shop.Order.Line',
    });
    const { value } = await serializer.serialize('audits', '{"sku":"A-1"}');
    expect(uuidOf(value)).toBe(versionId);
    // shop.Audit = 0, shop.Order = 1, shop.Order.Line = 2
    expect(value[18]).toBe(2);
    const line = protobuf.parse(PROTO).root.lookupType('shop.Order.Line');
    expect(line.toObject(line.decode(value.subarray(19)))).toEqual({ sku: 'A-1' });
  });

  it('compresses JSON Schema payloads with zlib when asked (compression byte 0x05)', async () => {
    const versionId = await createSchema('events', 'JSON', JSON_SCHEMA);
    const serializer = createValueSerializer({
      format: 'json-schema',
      registry: { kind: 'glue', registryName: REGISTRY },
      glueCompression: 'zlib',
    });
    const { value } = await serializer.serialize('events', '{"id":7}');
    expect(value.subarray(0, 2)).toEqual(Buffer.from([0x03, 0x05]));
    expect(uuidOf(value)).toBe(versionId);
    expect(inflateSync(value.subarray(18)).toString()).toBe('{"id":7}');
    expect(await rejection(serializer.serialize('events', '{"id":"x"}'))).toBeInstanceOf(
      SchemaValidationError,
    );
  });

  it('auto-registers: CreateSchema for a new schema, then the version GetSchemaByDefinition finds', async () => {
    const serializer = createValueSerializer({
      format: 'avro',
      registry: { kind: 'glue', registryName: REGISTRY },
      autoRegister: true,
      schema: ORDER,
    });
    const { value } = await serializer.serialize('payments', '{"id":1}');
    const found = await glue.send(
      new GetSchemaByDefinitionCommand({
        SchemaId: { RegistryName: REGISTRY, SchemaName: 'payments' },
        SchemaDefinition: ORDER,
      }),
    );
    expect(uuidOf(value)).toBe(found.SchemaVersionId);

    // A second container registering the same schema finds the same version.
    const again = createValueSerializer({
      format: 'avro',
      registry: { kind: 'glue', registryName: REGISTRY },
      autoRegister: true,
      schema: ORDER,
    });
    expect(uuidOf((await again.serialize('payments', '{"id":2}')).value)).toBe(found.SchemaVersionId);
  });

  it('auto-registers a new version of an existing schema with RegisterSchemaVersion', async () => {
    const first = await createSchema('refunds', 'AVRO', '{"type":"string"}');
    const client = new GlueRegistryClient({ registryName: REGISTRY });
    const registered = await client.register('refunds', ORDER, 'AVRO');
    expect(registered.schemaVersionId).not.toBe(first);
    expect(registered.versionNumber).toBe(2);
    expect(registered.definition).toBe(ORDER);
  });

  it('says which schema is missing, and that a stopped registry is a registry problem', async () => {
    const serializer = createValueSerializer({
      format: 'avro',
      registry: { kind: 'glue', registryName: REGISTRY },
    });
    const missing = await rejection(serializer.serialize('nowhere', '{"id":1}'));
    expect(missing).toBeInstanceOf(SchemaRegistryError);
    expect((missing as Error).message).toContain(`glue:${REGISTRY}/nowhere was not found`);
    expect((missing as Error).message).toContain('EntityNotFoundException');

    const wrongFormat = createValueSerializer({
      format: 'protobuf',
      registry: { kind: 'glue', registryName: REGISTRY },
    });
    expect(((await rejection(wrongFormat.serialize('orders', '{}'))) as Error).message).toContain(
      'holds a schema of type AVRO, not PROTOBUF as configured',
    );

    const unreachable = createValueSerializer({
      format: 'avro',
      registry: {
        kind: 'glue',
        registryName: REGISTRY,
        endpoint: 'http://127.0.0.1:9',
        requestTimeoutMs: 5_000,
      },
    });
    const down = await rejection(unreachable.serialize('orders', '{"id":1}'));
    expect(down).toBeInstanceOf(SchemaRegistryError);
    expect(down).toMatchObject({ retriable: true, mayBeDelivered: false, url: `glue:${REGISTRY}/orders` });
  });
});
