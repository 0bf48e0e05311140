import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SecretError } from '../../../lib/auth/errors.ts';
import { SecretCache } from '../../../lib/auth/secrets.ts';
import { ConfigError } from '../../../lib/config/errors.ts';
import type { WarmWriter } from '../../../lib/lambda/warm-writer.ts';
import { createWebhookHandler, type WebhookHandlerOptions } from '../../../lib/lambda/webhook/handler.ts';
import {
  BrokerError,
  MessageTooLargeError,
  UnknownTopicError,
  WriteAbortedError,
} from '../../../lib/writer/errors.ts';
import type { Message } from '../../../lib/writer/message.ts';
import {
  apiEvent,
  bodyOf,
  gitHubSignature,
  hmacSignature,
  lambdaContext,
  quietObservability,
  STANDARD_SECRET,
  standardWebhooksHeaders,
  stripeSignature,
} from './support.ts';

/** A WarmWriter stand-in: records what it is given, answers offsets or throws `fail`. */
function fakeWriter(fail?: () => unknown) {
  const written: Message[][] = [];
  const writer = {
    write: vi.fn(async (messages: readonly Message[]) => {
      if (fail) throw fail();
      written.push([...messages]);
      return messages.map((m, i) => ({ topic: m.topic ?? '', partition: 1, offset: String(100 + i) }));
    }),
  };
  return { written, warmWriter: writer as unknown as WarmWriter, write: writer.write };
}

function handler(env: Record<string, string>, options: Partial<WebhookHandlerOptions> = {}) {
  const fake = fakeWriter();
  const warmWriter = options.warmWriter ?? fake.warmWriter;
  const handle = createWebhookHandler({
    env: { WEBHOOK_TOPICS: 'orders', ...env },
    observability: quietObservability(),
    ...options,
    warmWriter,
  });
  return { handle, ...fake };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createWebhookHandler', () => {
  it('throws a ConfigError at creation for a bad deduplication window, before any request', () => {
    expect(() =>
      createWebhookHandler({
        env: {
          WEBHOOK_IDEMPOTENCY_TABLE: 'dedup',
          WEBHOOK_IDEMPOTENCY_TTL_SECONDS: '-5',
          KAFKA_BROKERS: 'k:9092',
        },
        observability: quietObservability(),
      }),
    ).toThrow(ConfigError);
  });

  it('reads config at creation and throws one ConfigError with every webhook and Kafka problem', () => {
    let error: unknown;
    try {
      createWebhookHandler({
        env: { WEBHOOK_SIGNATURE: 'github', WEBHOOK_KEY: 'json:x', KAFKA_BROKERS: 'nope' },
        observability: quietObservability(),
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'KAFKA_BROKERS entry "nope" is not host:port',
      'WEBHOOK_SIGNATURE=github needs WEBHOOK_SECRET_ARN (or WEBHOOK_SECRET for local use)',
      'WEBHOOK_KEY "json:x" is not a JSON pointer (RFC 6901: empty or /-separated, ~0 and ~1 escapes)',
    ]);
  });

  it.each(['1.0', '2.0'] as const)(
    'writes one message and answers 200 with its offset (payload %s)',
    async (version) => {
      const { handle, written } = handler({});
      const result = await handle(
        apiEvent({ version, body: '{"id":1}', requestId: 'req-7' }),
        lambdaContext(),
      );
      expect(result.statusCode).toBe(200);
      expect(bodyOf(result)).toEqual({ records: [{ topic: 'orders', partition: 1, offset: '100' }] });
      expect(written).toHaveLength(1);
      expect(written[0]?.[0]).toMatchObject({
        topic: 'orders',
        key: null,
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-7' },
      });
      expect(Buffer.from(written[0]?.[0]?.value as Buffer).toString()).toBe('{"id":1}');
    },
  );

  it('checks route, method and size before the signature, and the signature before the body', async () => {
    const { handle, write } = handler({
      WEBHOOK_SIGNATURE: 'hmac-sha256',
      WEBHOOK_SECRET: 'hmac-test-secret-k',
      WEBHOOK_MAX_BYTES: '8',
    });
    const unsigned = { 'content-type': 'image/png' };
    const cases: Array<[Parameters<typeof apiEvent>[0], number]> = [
      [{ topic: 'nope', headers: unsigned }, 404],
      [{ method: 'GET', headers: unsigned }, 405],
      [{ body: '123456789', headers: unsigned }, 413],
      [{ body: '{}', headers: unsigned }, 401],
      [
        { body: '{}', headers: { ...unsigned, 'x-signature': hmacSignature('hmac-test-secret-k', '{}') } },
        415,
      ],
      [
        {
          body: '{',
          headers: {
            'content-type': 'application/json',
            'x-signature': hmacSignature('hmac-test-secret-k', '{'),
          },
        },
        400,
      ],
    ];
    for (const [spec, status] of cases) {
      const result = await handle(apiEvent(spec), lambdaContext());
      expect(result.statusCode, JSON.stringify(spec)).toBe(status);
      expect(result.headers['content-type']).toBe('application/problem+json');
      expect(bodyOf(result).status).toBe(status);
    }
    expect(write).not.toHaveBeenCalled();
  });

  it.each([
    ['standard-webhooks', STANDARD_SECRET, (body: string) => standardWebhooksHeaders(STANDARD_SECRET, body)],
    [
      'github',
      'gh-secret-of-the-test',
      (body: string) => ({
        'x-hub-signature-256': gitHubSignature('gh-secret-of-the-test', body),
        'x-github-delivery': 'd-1',
      }),
    ],
    [
      'stripe',
      'whsec_stripe-test-secret',
      (body: string) => ({ 'stripe-signature': stripeSignature('whsec_stripe-test-secret', body) }),
    ],
    [
      'hmac-sha256',
      'plain-hmac-test-secret',
      (body: string) => ({ 'x-signature': hmacSignature('plain-hmac-test-secret', body) }),
    ],
  ])('accepts a %s delivery signed with the secret and refuses it tampered', async (scheme, secret, sign) => {
    const { handle, write } = handler({ WEBHOOK_SIGNATURE: scheme, WEBHOOK_SECRET: secret });
    const body = '{"event":"paid"}';
    const headers = { 'content-type': 'application/json', ...sign(body) };
    expect((await handle(apiEvent({ body, headers }), lambdaContext())).statusCode).toBe(200);
    const tampered = await handle(apiEvent({ body: '{"event":"PAID"}', headers }), lambdaContext());
    expect(tampered.statusCode).toBe(401);
    expect(bodyOf(tampered)).toMatchObject({
      title: 'Invalid signature',
      detail: 'the signature does not match the body',
    });
    expect(write).toHaveBeenCalledTimes(1);
  });

  describe('with WEBHOOK_SECRET_ARN', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook';

    function rotatingSecrets(values: string[]) {
      const fetches: string[] = [];
      const secrets = new SecretCache(async (id) => {
        fetches.push(id);
        return values[Math.min(fetches.length, values.length) - 1] ?? '';
      });
      return { secrets, fetches };
    }

    it('fetches the secret once for many invocations', async () => {
      const { secrets, fetches } = rotatingSecrets(['old-secret-value-1']);
      const { handle } = handler({ WEBHOOK_SIGNATURE: 'hmac-sha256', WEBHOOK_SECRET_ARN: arn }, { secrets });
      for (let i = 0; i < 3; i++) {
        const body = `{"n":${i}}`;
        const headers = {
          'content-type': 'application/json',
          'x-signature': hmacSignature('old-secret-value-1', body),
        };
        expect((await handle(apiEvent({ body, headers }), lambdaContext())).statusCode).toBe(200);
      }
      expect(fetches).toEqual([arn]);
    });

    it('refetches once after a mismatch and accepts a request signed with the rotated secret', async () => {
      const { secrets, fetches } = rotatingSecrets(['old-secret-value-1', '{"secret":"new-secret-value-2"}']);
      const { handle } = handler({ WEBHOOK_SIGNATURE: 'github', WEBHOOK_SECRET_ARN: arn }, { secrets });
      const body = '{}';
      const signed = (secret: string) => ({
        'content-type': 'application/json',
        'x-github-delivery': 'd',
        'x-hub-signature-256': gitHubSignature(secret, body),
      });
      expect(
        (await handle(apiEvent({ body, headers: signed('old-secret-value-1') }), lambdaContext())).statusCode,
      ).toBe(200);
      expect(
        (await handle(apiEvent({ body, headers: signed('new-secret-value-2') }), lambdaContext())).statusCode,
      ).toBe(200);
      expect(fetches).toHaveLength(2);
      // Forgeries right after do not turn into Secrets Manager calls.
      for (let i = 0; i < 5; i++) {
        expect(
          (await handle(apiEvent({ body, headers: signed('forged') }), lambdaContext())).statusCode,
        ).toBe(401);
      }
      expect(fetches).toHaveLength(2);
    });

    it('refetches only for a mismatch, not for a missing or expired signature', async () => {
      const { secrets, fetches } = rotatingSecrets([STANDARD_SECRET]);
      const { handle } = handler(
        { WEBHOOK_SIGNATURE: 'standard-webhooks', WEBHOOK_SECRET_ARN: arn },
        { secrets, minSecretRefetchIntervalMs: 0 },
      );
      const body = '{}';
      const expired = standardWebhooksHeaders(STANDARD_SECRET, body, {
        timestamp: Math.floor(Date.now() / 1000) - 3600,
      });
      expect(
        (
          await handle(
            apiEvent({ body, headers: { 'content-type': 'application/json', ...expired } }),
            lambdaContext(),
          )
        ).statusCode,
      ).toBe(401);
      expect((await handle(apiEvent({ body }), lambdaContext())).statusCode).toBe(401);
      expect(fetches).toHaveLength(1);
    });

    it.each([
      [
        'Secrets Manager is throttling',
        new SecretError('cannot read secret x: ThrottlingException', true),
        503,
      ],
      [
        'the secret does not exist',
        new SecretError('cannot read secret x: ResourceNotFoundException', false),
        500,
      ],
    ])('answers when %s', async (_what, error, status) => {
      const secrets = new SecretCache(async () => {
        throw error;
      });
      const { handle, write } = handler(
        { WEBHOOK_SIGNATURE: 'hmac-sha256', WEBHOOK_SECRET_ARN: arn },
        { secrets },
      );
      const result = await handle(
        apiEvent({
          headers: {
            'content-type': 'application/json',
            'x-signature': hmacSignature('hmac-test-secret-k', '{}'),
          },
        }),
        lambdaContext(),
      );
      expect(result.statusCode).toBe(status);
      expect(write).not.toHaveBeenCalled();
    });

    it('answers 500 when the stored Standard Webhooks secret is not whsec_<base64>', async () => {
      const { secrets } = rotatingSecrets(['not base64!']);
      const { handle } = handler(
        { WEBHOOK_SIGNATURE: 'standard-webhooks', WEBHOOK_SECRET_ARN: arn },
        { secrets },
      );
      const headers = {
        'content-type': 'application/json',
        ...standardWebhooksHeaders(STANDARD_SECRET, '{}'),
      };
      expect((await handle(apiEvent({ headers }), lambdaContext())).statusCode).toBe(500);
    });
  });

  it.each([
    [
      'Kafka is unreachable',
      () => new BrokerError('connection refused', 'KafkaJSConnectionError', 3, { retriable: true }),
      503,
    ],
    ['the write ran out of time', () => new WriteAbortedError('timeout', false), 503],
    ['the message is too large for the Writer', () => new MessageTooLargeError({ value: '' }, [], 9, 8), 413],
    [
      'the broker refuses the size',
      () => new BrokerError('too large', 'MESSAGE_TOO_LARGE', 1, { retriable: false }),
      413,
    ],
    ['the topic does not exist in Kafka', () => new UnknownTopicError('orders'), 500],
    ['the writer has a bug', () => new TypeError('x is undefined'), 500],
  ])('answers when %s', async (_what, fail, status) => {
    const fake = fakeWriter(fail);
    const { handle } = handler({}, { warmWriter: fake.warmWriter });
    const result = await handle(apiEvent(), lambdaContext());
    expect(result.statusCode).toBe(status);
    expect(result.headers['retry-after']).toBe(status === 503 ? '10' : undefined);
  });

  it('answers 503 rather than timing out when the invocation runs out of time', async () => {
    const warmWriter = { write: () => new Promise(() => {}) } as unknown as WarmWriter;
    const { handle } = handler({}, { warmWriter });
    const result = await handle(apiEvent(), lambdaContext(50));
    expect(result.statusCode).toBe(503);
  });

  it('counts written, failed and rejected requests (rejections by status)', async () => {
    const added: Array<[string, number]> = [];
    const dimensions: string[] = [];
    vi.spyOn(Metrics.prototype, 'addMetric').mockImplementation(function (this: Metrics, name, _unit, value) {
      added.push([name, value]);
      return this;
    });
    vi.spyOn(Metrics.prototype, 'addDimension').mockImplementation(function (this: Metrics, name, value) {
      dimensions.push(`${name}=${value}`);
      return this;
    });
    const { handle } = handler({});
    await handle(apiEvent(), lambdaContext());
    await handle(apiEvent({ topic: 'nope' }), lambdaContext());
    const failing = handler(
      {},
      { warmWriter: fakeWriter(() => new WriteAbortedError('timeout', false)).warmWriter },
    );
    await failing.handle(apiEvent(), lambdaContext());
    const names = added.map(([name]) => name);
    expect(names).toEqual(
      expect.arrayContaining(['WriteLatency', 'MessagesWritten', 'RequestsRejected', 'MessagesFailed']),
    );
    expect(added).toContainEqual(['MessagesWritten', 1]);
    expect(dimensions).toContain('status=404');
  });

  it('logs with the request id as correlation id and never logs the secret or the body', async () => {
    const lines: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      });
    }
    const observability = {
      ...quietObservability(),
      logger: new Logger({ serviceName: 'webhook-test', logLevel: 'DEBUG' }),
    };
    const secret = 'never-log-this-secret';
    const { handle } = handler(
      { WEBHOOK_SIGNATURE: 'hmac-sha256', WEBHOOK_SECRET: secret },
      { observability },
    );
    const body = '{"card":"4242424242424242"}';
    const headers = { 'content-type': 'application/json', 'x-signature': hmacSignature(secret, body) };
    await handle(apiEvent({ body, headers, requestId: 'req-ok' }), lambdaContext());
    await handle(
      apiEvent({
        body,
        headers: { ...headers, 'x-signature': hmacSignature('wrong', body) },
        requestId: 'req-bad',
      }),
      lambdaContext(),
    );
    vi.restoreAllMocks();
    const logs = lines.join('');
    expect(logs).toContain('"correlation_id":"req-ok"');
    expect(logs).toContain('"correlation_id":"req-bad"');
    expect(logs).toContain('webhook written');
    expect(logs).toContain('webhook rejected');
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain('4242424242424242');
  });

  it('answers every malformed event without throwing', async () => {
    const { handle } = handler({});
    for (const event of [
      {},
      { version: '2.0' },
      { body: 42, isBase64Encoded: true },
      { headers: null, multiValueHeaders: [] },
    ]) {
      const result = await handle(event as never, lambdaContext());
      expect(result.statusCode).toBeGreaterThanOrEqual(400);
      expect(result.statusCode).toBeLessThan(500);
    }
  });
});
