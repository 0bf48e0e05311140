import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SecretError } from '../../../lib/auth/errors.ts';
import { SecretCache } from '../../../lib/auth/secrets.ts';
import { readKafkaConfig } from '../../../lib/config/kafka-config.ts';
import type { SchemaConfig } from '../../../lib/config/schema-config.ts';
import { createConfiguredSerializer, serializerOptions } from '../../../lib/lambda/schema-serializer.ts';
import { SchemaRegistryError } from '../../../lib/schema/value-serializer.ts';

/**
 * A Confluent-compatible registry that demands HTTP basic auth with one password at a time, so a
 * rotation can be made to happen on demand (the local Apicurio runs without authentication).
 */
async function passwordProtectedRegistry(password: { current: string }) {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const expected = `Basic ${Buffer.from(`bridge:${password.current}`).toString('base64')}`;
    requests.push(
      `${request.method} ${request.url} ${request.headers.authorization === expected ? 'ok' : '401'}`,
    );
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end('{"error_code":401,"message":"Unauthorized"}');
      return;
    }
    const subject = decodeURIComponent(request.url?.split('/')[2] ?? '');
    response.writeHead(200, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
    response.end(
      JSON.stringify({ subject, version: 1, id: 5, schemaType: 'JSON', schema: '{"type":"object"}' }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function schemaConfig(url: string): SchemaConfig {
  const { config, problems } = readKafkaConfig({
    KAFKA_BROKERS: '127.0.0.1:9',
    KAFKA_VALUE_FORMAT: 'json-schema',
    SCHEMA_REGISTRY_URL: url,
    SCHEMA_REGISTRY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-AbCdEf',
  });
  expect(problems).toEqual([]);
  return config.schema as SchemaConfig;
}

describe('the configured serializer', () => {
  it('maps SCHEMA_* onto lib/schema options, the record name as the Protobuf message too', () => {
    const { config } = readKafkaConfig({
      KAFKA_BROKERS: '127.0.0.1:9',
      KAFKA_VALUE_FORMAT: 'protobuf',
      SCHEMA_REGISTRY: 'glue:orders',
      SCHEMA_SUBJECT_STRATEGY: 'record',
      SCHEMA_RECORD_NAME: 'shop.v1.Order',
      SCHEMA_VERSION: '3',
      SCHEMA_GLUE_COMPRESSION: 'zlib',
    });
    expect(serializerOptions(config.schema as SchemaConfig)).toEqual({
      format: 'protobuf',
      registry: { kind: 'glue', registryName: 'orders' },
      subjectStrategy: 'record',
      version: 3,
      autoRegister: false,
      recordName: 'shop.v1.Order',
      messageName: 'shop.v1.Order',
      glueCompression: 'zlib',
    });
  });

  it('reads the registry secret once, and again after a 401 (rotation), then succeeds', async () => {
    const password = { current: 'old-password' };
    const registry = await passwordProtectedRegistry(password);
    const stored = { current: 'old-password' };
    let fetches = 0;
    const secrets = new SecretCache(async () => {
      fetches++;
      return JSON.stringify({ username: 'bridge', password: stored.current });
    });
    const serializer = createConfiguredSerializer(schemaConfig(registry.url), { secrets });

    await serializer.serialize('a', '{"n":1}');
    await serializer.serialize('a', '{"n":2}');
    expect(fetches).toBe(1);

    // Rotated in Secrets Manager and at the registry; the container still holds the old one.
    password.current = 'new-password';
    stored.current = 'new-password';
    const { value } = await serializer.serialize('b', '{"n":3}');

    expect(fetches).toBe(2);
    expect(value.readUInt32BE(1)).toBe(5);
    expect(registry.requests).toEqual([
      'GET /subjects/a-value/versions/latest ok',
      'GET /subjects/b-value/versions/latest 401',
      'GET /subjects/b-value/versions/latest ok',
    ]);
  });

  it('fails with the 401 when the secret read again is refused too, asking once more only', async () => {
    const registry = await passwordProtectedRegistry({ current: 'right' });
    let fetches = 0;
    const secrets = new SecretCache(async () => {
      fetches++;
      return JSON.stringify({ username: 'bridge', password: 'wrong' });
    });
    const serializer = createConfiguredSerializer(schemaConfig(registry.url), { secrets });

    const error = await serializer.serialize('a', '{}').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect((error as SchemaRegistryError).status).toBe(401);
    expect((error as Error).message).not.toContain('wrong');
    expect(fetches).toBe(2);
    expect(registry.requests).toHaveLength(2);
  });

  it("reports Secrets Manager unavailable as the registry's (retriable), a missing secret as itself", async () => {
    const registry = await passwordProtectedRegistry({ current: 'x' });
    const throttled = createConfiguredSerializer(schemaConfig(registry.url), {
      secrets: new SecretCache(async () => {
        throw new SecretError('cannot read secret arn: ThrottlingException', true);
      }),
    });
    const missing = createConfiguredSerializer(schemaConfig(registry.url), {
      secrets: new SecretCache(async () => {
        throw new SecretError('cannot read secret arn: ResourceNotFoundException', false);
      }),
    });

    const retriable = await throttled.serialize('a', '{}').catch((e: unknown) => e);
    const operator = await missing.serialize('a', '{}').catch((e: unknown) => e);

    expect(retriable).toBeInstanceOf(SchemaRegistryError);
    expect((retriable as SchemaRegistryError).retriable).toBe(true);
    expect(operator).toBeInstanceOf(SecretError);
    expect((operator as SecretError).retriable).toBe(false);
    expect(registry.requests).toEqual([]);
  });
});
