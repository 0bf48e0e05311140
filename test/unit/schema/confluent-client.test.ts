import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfluentRegistryClient } from '../../../lib/schema/registry/confluent-client.ts';
import { SchemaRegistryError } from '../../../lib/schema/value-serializer.ts';
import { gate } from '../../support/gate.ts';
import { SchemaRegistryStub } from '../../support/schema-registry-stub.ts';

const AVRO = '{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}';

async function registryError(promise: Promise<unknown>): Promise<SchemaRegistryError> {
  const error = await promise.then(
    () => new Error('expected a SchemaRegistryError, the call succeeded'),
    (e: unknown) => e,
  );
  if (!(error instanceof SchemaRegistryError)) throw error;
  return error;
}

describe('ConfluentRegistryClient', () => {
  let stub: SchemaRegistryStub;
  beforeEach(async () => {
    stub = await SchemaRegistryStub.start();
  });
  afterEach(async () => {
    await stub.stop();
  });

  it('reads the latest or a pinned version: id, schema, type (AVRO when the registry omits it)', async () => {
    stub.add('orders-value', AVRO);
    const v2 = stub.add('orders-value', '{"type":"string"}');
    stub.add('shapes-value', 'syntax = "proto3"; message S {}', 'PROTOBUF');
    const client = new ConfluentRegistryClient({ url: `${stub.url}/` });

    expect(await client.getVersion('orders-value', 'latest')).toMatchObject({
      id: v2,
      version: 2,
      schema: '{"type":"string"}',
      schemaType: 'AVRO',
      guid: undefined,
      references: [],
    });
    expect((await client.getVersion('orders-value', 1)).schema).toBe(AVRO);
    expect((await client.getVersion('shapes-value', 'latest')).schemaType).toBe('PROTOBUF');
    expect(stub.requests).toContain('GET /subjects/orders-value/versions/1');
  });

  it('registers a schema (schemaType left out for Avro, as Confluent clients do) and gets its id', async () => {
    const client = new ConfluentRegistryClient({ url: stub.url });
    const first = await client.register('orders-value', AVRO, 'AVRO');
    const again = await client.register('orders-value', AVRO, 'AVRO');
    const proto = await client.register('shapes-value', 'syntax = "proto3"; message S {}', 'PROTOBUF');
    expect(again.id).toBe(first.id);
    expect(proto.id).not.toBe(first.id);
    expect((await client.getVersion('shapes-value', 'latest')).schemaType).toBe('PROTOBUF');
  });

  it('sends basic credentials, also from user info in the URL, which never appears in messages', async () => {
    const expected = `Basic ${Buffer.from('svc:p@ss word').toString('base64')}`;
    const guarded = await SchemaRegistryStub.start({ authorization: expected });
    try {
      guarded.add('orders-value', AVRO);
      const url = new URL(guarded.url);
      url.username = 'svc';
      url.password = encodeURIComponent('p@ss word');
      const client = new ConfluentRegistryClient({ url: url.toString() });
      expect(client.url).toBe(guarded.url);
      expect((await client.getVersion('orders-value', 'latest')).schema).toBe(AVRO);

      const wrong = new ConfluentRegistryClient({
        url: guarded.url,
        auth: { username: 'svc', password: 'nope' },
      });
      const error = await registryError(wrong.getVersion('orders-value', 'latest'));
      expect(error.status).toBe(401);
      expect(error.message).toContain('refused the configured credentials');
      expect(error.message).not.toContain('nope');
      expect(error.retriable).toBe(true);

      const none = await registryError(
        new ConfluentRegistryClient({ url: guarded.url }).getVersion('x', 'latest'),
      );
      expect(none.message).toContain('refused a request without credentials');
    } finally {
      await guarded.stop();
    }
  });

  it('sends a bearer token with Confluent Cloud headers when given', async () => {
    stub.add('orders-value', AVRO);
    const client = new ConfluentRegistryClient({
      url: stub.url,
      auth: { token: 'tkn', logicalCluster: 'lsrc-1', identityPoolId: 'pool-1' },
    });
    await client.getVersion('orders-value', 'latest');
    expect(stub.headers[0]).toMatchObject({
      authorization: 'Bearer tkn',
      'target-sr-cluster': 'lsrc-1',
      'confluent-identity-pool-id': 'pool-1',
    });
  });

  it('says which subject is missing (40401) and which version (40402)', async () => {
    stub.add('orders-value', AVRO);
    const client = new ConfluentRegistryClient({ url: stub.url });
    const subject = await registryError(client.getVersion('payments-value', 'latest'));
    expect(subject.status).toBe(404);
    expect(subject.message).toContain('subject "payments-value" is not registered at');
    expect(subject.message).toContain('turn auto-registration on');
    expect(subject.url).toBe(`${stub.url}/subjects/payments-value/versions/latest`);

    const version = await registryError(client.getVersion('orders-value', 9));
    expect(version.message).toContain('subject "orders-value" has no version 9');
  });

  it('reports a registry that is down, with the URL and the socket error', async () => {
    await stub.stop();
    const error = await registryError(
      new ConfluentRegistryClient({ url: stub.url }).getVersion('o-value', 'latest'),
    );
    expect(error.message).toContain('could not be reached (ECONNREFUSED)');
    expect(error.url).toBe(`${stub.url}/subjects/o-value/versions/latest`);
    stub = await SchemaRegistryStub.start();
  });

  it('gives up on a registry that does not answer within requestTimeoutMs', async () => {
    stub.add('orders-value', AVRO);
    const { held, release } = gate();
    stub.hold(held);
    try {
      const client = new ConfluentRegistryClient({ url: stub.url, requestTimeoutMs: 50 });
      const error = await registryError(client.getVersion('orders-value', 'latest'));
      expect(error.message).toContain('did not answer within 50 ms');
    } finally {
      release();
    }
  });

  it('passes on a server error with its status and the registry message', async () => {
    stub.failNext(1, 503, 50003);
    const error = await registryError(
      new ConfluentRegistryClient({ url: stub.url }).getVersion('x-value', 'latest'),
    );
    expect(error.status).toBe(503);
    expect(error.message).toContain('HTTP 503, error 50003: injected 503');
  });
});
