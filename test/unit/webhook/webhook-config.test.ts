import { describe, expect, it } from 'vitest';
import { readWebhookConfig } from '../../../lib/config/webhook-config.ts';
import { parseJsonPointer } from '../../../lib/mapping/json-pointer.ts';
import { STANDARD_SECRET } from './support.ts';

describe('readWebhookConfig', () => {
  it('has the documented defaults', () => {
    const { config, problems } = readWebhookConfig({});
    expect(problems).toEqual([]);
    expect([...config.topics]).toEqual([]);
    expect(config).toMatchObject({
      signature: 'none',
      secret: { kind: 'none' },
      toleranceSeconds: 300,
      key: { kind: 'none' },
      maxBytes: 1_048_576,
      idempotency: undefined,
    });
  });

  it('reads every variable', () => {
    const { config, problems } = readWebhookConfig({
      WEBHOOK_TOPICS: 'orders, github-events ,payments',
      WEBHOOK_SIGNATURE: 'GitHub',
      WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-AbCdEf',
      WEBHOOK_TOLERANCE_SECONDS: '60',
      WEBHOOK_KEY: 'json:/repository/full_name',
      WEBHOOK_MAX_BYTES: '2048',
    });
    expect(problems).toEqual([]);
    expect([...config.topics]).toEqual(['orders', 'github-events', 'payments']);
    expect(config).toMatchObject({
      signature: 'github',
      secret: { kind: 'arn', arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-AbCdEf' },
      toleranceSeconds: 60,
      key: { kind: 'json', pointer: '/repository/full_name', tokens: ['repository', 'full_name'] },
      maxBytes: 2048,
    });
  });

  it.each([
    ['standard-webhooks', { kind: 'header', name: 'webhook-id' }],
    ['github', { kind: 'header', name: 'x-github-delivery' }],
    ['stripe', { kind: 'none' }],
    ['hmac-sha256', { kind: 'none' }],
  ])('keys %s deliveries by the scheme delivery id by default', (scheme, key) => {
    const secret = scheme === 'standard-webhooks' ? STANDARD_SECRET : 'local-webhook-secret';
    const { config, problems } = readWebhookConfig({ WEBHOOK_SIGNATURE: scheme, WEBHOOK_SECRET: secret });
    expect(problems).toEqual([]);
    expect(config.key).toEqual(key);
  });

  it.each([
    ['header:X-Tenant-Id', { kind: 'header', name: 'x-tenant-id' }],
    ['path:topic', { kind: 'path', name: 'topic' }],
    ['json:', { kind: 'json', pointer: '', tokens: [] }],
    ['json:/a~1b/m~0n/0', { kind: 'json', pointer: '/a~1b/m~0n/0', tokens: ['a/b', 'm~n', '0'] }],
    ['none', { kind: 'none' }],
  ])('reads WEBHOOK_KEY=%s', (text, key) => {
    const { config, problems } = readWebhookConfig({
      WEBHOOK_KEY: text,
      WEBHOOK_SIGNATURE: 'github',
      WEBHOOK_SECRET: 'local-webhook-secret',
    });
    expect(problems).toEqual([]);
    expect(config.key).toEqual(key);
  });

  it('reports every problem at once, never quoting a secret', () => {
    const { problems } = readWebhookConfig({
      WEBHOOK_TOPICS: 'ok,bad topic,..',
      WEBHOOK_SIGNATURE: 'md5',
      WEBHOOK_TOLERANCE_SECONDS: '-1',
      WEBHOOK_KEY: 'json:a/b',
      WEBHOOK_MAX_BYTES: '100000000',
      WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x',
      WEBHOOK_SECRET: 'super-secret-value',
    });
    expect(problems).toEqual([
      'WEBHOOK_TOPICS entry "bad topic" is not a valid Kafka topic name ([a-zA-Z0-9._-], 1 to 249 characters)',
      'WEBHOOK_TOPICS entry ".." is not a valid Kafka topic name ([a-zA-Z0-9._-], 1 to 249 characters)',
      'WEBHOOK_SIGNATURE must be one of none, standard-webhooks, github, stripe, hmac-sha256, got "md5"',
      'set WEBHOOK_SECRET_ARN or WEBHOOK_SECRET, not both',
      'WEBHOOK_SECRET_ARN/WEBHOOK_SECRET is set but WEBHOOK_SIGNATURE is none: choose the signature scheme',
      'WEBHOOK_TOLERANCE_SECONDS must be an integer from 1 to 604800, got "-1"',
      'WEBHOOK_KEY "json:a/b" is not a JSON pointer (RFC 6901: empty or /-separated, ~0 and ~1 escapes)',
      'WEBHOOK_MAX_BYTES must be an integer from 1 to 6291456, got "100000000"',
    ]);
    expect(problems.join('\n')).not.toContain('super-secret-value');
  });

  it.each(['standard-webhooks', 'github', 'stripe', 'hmac-sha256'])('requires a secret for %s', (scheme) => {
    const { problems } = readWebhookConfig({ WEBHOOK_SIGNATURE: scheme });
    expect(problems).toEqual([
      `WEBHOOK_SIGNATURE=${scheme} needs WEBHOOK_SECRET_ARN (or WEBHOOK_SECRET for local use)`,
    ]);
  });

  it('rejects a Standard Webhooks secret that is not whsec_<base64>, without showing it', () => {
    const { problems } = readWebhookConfig({
      WEBHOOK_SIGNATURE: 'standard-webhooks',
      WEBHOOK_SECRET: 'whsec_not base64!',
    });
    expect(problems).toEqual([
      'WEBHOOK_SECRET must be a Standard Webhooks secret: whsec_ followed by base64 (the value is not shown)',
    ]);
  });

  it.each([
    ['header:', 'WEBHOOK_KEY "header:" needs a header name after header: (e.g. header:x-github-delivery)'],
    [
      'header:bad name',
      'WEBHOOK_KEY "header:bad name" needs a header name after header: (e.g. header:x-github-delivery)',
    ],
    ['path:', 'WEBHOOK_KEY "path:" needs a path parameter name after path: (e.g. path:topic)'],
    [
      'json:/a~2',
      'WEBHOOK_KEY "json:/a~2" is not a JSON pointer (RFC 6901: empty or /-separated, ~0 and ~1 escapes)',
    ],
    ['query:id', 'WEBHOOK_KEY must be header:<name>, json:<pointer>, path:<param> or none, got "query:id"'],
    ['group', 'WEBHOOK_KEY must be header:<name>, json:<pointer>, path:<param> or none, got "group"'],
  ])('reports WEBHOOK_KEY=%s', (text, problem) => {
    expect(readWebhookConfig({ WEBHOOK_KEY: text }).problems).toEqual([problem]);
  });
});

describe('readWebhookConfig: deduplication (WEBHOOK_IDEMPOTENCY_*)', () => {
  it('is off unless a table is named, and keeps answers 3 days by default', () => {
    expect(readWebhookConfig({}).config.idempotency).toBeUndefined();
    const { config, problems } = readWebhookConfig({ WEBHOOK_IDEMPOTENCY_TABLE: 'webhook-idempotency' });
    expect(problems).toEqual([]);
    expect(config.idempotency).toEqual({ table: 'webhook-idempotency', ttlSeconds: 259_200 });
  });

  it('reads the window', () => {
    const { config } = readWebhookConfig({
      WEBHOOK_IDEMPOTENCY_TABLE: 'dedup',
      WEBHOOK_IDEMPOTENCY_TTL_SECONDS: '600',
    });
    expect(config.idempotency).toEqual({ table: 'dedup', ttlSeconds: 600 });
  });

  it.each([
    [
      { WEBHOOK_IDEMPOTENCY_TABLE: 'dedup', WEBHOOK_IDEMPOTENCY_TTL_SECONDS: '0' },
      'WEBHOOK_IDEMPOTENCY_TTL_SECONDS must be an integer from 1 to 2592000, got "0"',
    ],
    [
      { WEBHOOK_IDEMPOTENCY_TABLE: 'dedup', WEBHOOK_IDEMPOTENCY_TTL_SECONDS: '1h' },
      'WEBHOOK_IDEMPOTENCY_TTL_SECONDS must be an integer from 1 to 2592000, got "1h"',
    ],
    [
      { WEBHOOK_IDEMPOTENCY_TTL_SECONDS: '600' },
      'WEBHOOK_IDEMPOTENCY_TTL_SECONDS is set but WEBHOOK_IDEMPOTENCY_TABLE is not',
    ],
    [
      { WEBHOOK_IDEMPOTENCY_TABLE: 'arn:aws:dynamodb:eu-west-1:123456789012:table/dedup' },
      'WEBHOOK_IDEMPOTENCY_TABLE "arn:aws:dynamodb:eu-west-1:123456789012:table/dedup" is not a DynamoDB table name ([a-zA-Z0-9_.-], 3 to 255 characters)',
    ],
  ])('reports %j', (env, problem) => {
    expect(readWebhookConfig(env).problems).toEqual([problem]);
  });
});

describe('parseJsonPointer', () => {
  it.each([
    ['', []],
    ['/', ['']],
    ['/foo/0', ['foo', '0']],
    ['/~01', ['~1']],
    ['/a~1b', ['a/b']],
  ])('parses %j', (pointer, tokens) => {
    expect(parseJsonPointer(pointer)).toEqual(tokens);
  });

  it.each(['foo', '/~', '/~2', 'a/b'])('refuses %j', (pointer) => {
    expect(parseJsonPointer(pointer)).toBeUndefined();
  });
});
