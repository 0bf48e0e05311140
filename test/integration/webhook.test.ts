import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fetchSecretString, SecretCache } from '../../lib/auth/secrets.ts';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { clearContainerWarmWriter } from '../../lib/lambda/container.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { createWebhookHandler, type WebhookHandler } from '../../lib/lambda/webhook/handler.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { countRecords, createSettledTopic, uniqueTopic } from '../support/topics.ts';
import { FUZZ_CONTENT_TYPES, statusByRules } from '../support/webhook-rules.ts';
import {
  apiEvent,
  bodyOf,
  lambdaContext,
  quietObservability,
  type RequestSpec,
  STANDARD_SECRET,
  standardWebhooksHeaders,
} from '../unit/webhook/support.ts';

const brokers = inject('kafkaBrokers');
const MAX_BYTES = 4096;
const moto = useMoto();

interface Fixture {
  topic: string;
  /** Exists in Kafka but not on the allow-list. */
  unlisted: string;
  /** On the allow-list, with max.message.bytes far below WEBHOOK_MAX_BYTES. */
  small: string;
  /** On the allow-list but missing from the cluster (auto-creation off). */
  absent: string;
  handle: WebhookHandler;
}

let fixture: Fixture;

beforeAll(async () => {
  const topic = await createSettledTopic(brokers, { partitions: 3 });
  const unlisted = await createSettledTopic(brokers, { partitions: 1 });
  const small = await createSettledTopic(brokers, { partitions: 1, config: { 'max.message.bytes': '1024' } });
  const absent = uniqueTopic('absent');
  // The deployable path: config from env, the container's WarmWriter built from KAFKA_*.
  const handle = createWebhookHandler({
    env: {
      KAFKA_BROKERS: brokers.join(','),
      WEBHOOK_TOPICS: [topic, small, absent].join(','),
      WEBHOOK_SIGNATURE: 'standard-webhooks',
      WEBHOOK_SECRET: STANDARD_SECRET,
      WEBHOOK_MAX_BYTES: String(MAX_BYTES),
    },
    observability: quietObservability(),
  });
  fixture = { topic, unlisted, small, absent, handle };
});

afterAll(async () => {
  await clearContainerWarmWriter();
});

/** A request signed with the handler's Standard Webhooks secret. */
function signed(
  spec: RequestSpec & { body: Buffer | string; contentType?: string; id?: string },
): RequestSpec {
  const bytes = Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body);
  return {
    ...spec,
    body: bytes,
    headers: {
      'content-type': spec.contentType ?? 'application/json',
      ...standardWebhooksHeaders(STANDARD_SECRET, bytes, spec.id ? { id: spec.id } : {}),
      ...spec.headers,
    },
  };
}

describe('webhook handler on the broker', () => {
  it('answers 200 with the offsets kcat reads back: raw bytes, delivery id as key, correlation headers', async () => {
    const { topic, handle } = fixture;
    const sent = [
      signed({
        version: '2.0',
        topic,
        body: '{"type":"invoice.paid","data":{"id":1}}',
        id: 'msg_a',
        requestId: 'req-a',
      }),
      signed({ version: '1.0', topic, body: '{ "spaced" :  true }\n', id: 'msg_b', requestId: 'req-b' }),
      signed({
        version: '2.0',
        topic,
        body: Buffer.from([0, 255, 128, 10, 13, 195, 40]),
        base64: true,
        contentType: 'application/octet-stream',
        id: 'msg_c',
        requestId: 'req-c',
      }),
      signed({
        version: '1.0',
        topic,
        body: 'plain text é',
        contentType: 'text/plain; charset=utf-8',
        id: 'msg_d',
        requestId: 'req-d',
      }),
    ];
    const answers: Array<{ partition: number; offset: string; spec: RequestSpec }> = [];
    for (const spec of sent) {
      const result = await handle(apiEvent(spec), lambdaContext());
      expect(result.statusCode, result.body).toBe(200);
      expect(result.headers['content-type']).toBe('application/json');
      const records = bodyOf(result).records as Array<{ topic: string; partition: number; offset: string }>;
      expect(records).toHaveLength(1);
      expect(records[0]?.topic).toBe(topic);
      answers.push({ partition: records[0]?.partition ?? -1, offset: records[0]?.offset ?? '', spec });
    }

    const consumed = await consumeWithKcat(brokers, topic, { count: sent.length });
    for (const { partition, offset, spec } of answers) {
      const record = consumed.find((r) => r.partition === partition && String(r.offset) === offset);
      expect(record, `partition ${partition} offset ${offset}`).toBeDefined();
      expect(record?.value?.equals(spec.body as Buffer)).toBe(true);
      expect(record?.key?.toString()).toBe(spec.headers?.['webhook-id']);
      expect(record?.headers['webhook-delivery-id']?.toString()).toBe(spec.headers?.['webhook-id']);
      expect(record?.headers['x-request-id']?.toString()).toBe(spec.requestId);
      expect(record?.headers['content-type']?.toString()).toBe(spec.headers?.['content-type']);
    }
  });

  it('answers every client mistake with its 4xx problem and writes nothing', async () => {
    const { topic, unlisted, handle } = fixture;
    const before = await countRecords(brokers, topic);
    const unsigned = { 'content-type': 'application/json' };
    const expired = standardWebhooksHeaders(STANDARD_SECRET, '{}', {
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    const cases: Array<[string, RequestSpec, number]> = [
      ['a topic off the allow-list', signed({ topic: unlisted, body: '{}' }), 404],
      ['GET', { ...signed({ topic, body: '{}' }), method: 'GET' }, 405],
      ['a body over WEBHOOK_MAX_BYTES', signed({ topic, body: `"${'x'.repeat(MAX_BYTES)}"` }), 413],
      ['no signature', { topic, body: '{}', headers: unsigned }, 401],
      ['an expired signature', { topic, body: '{}', headers: { ...unsigned, ...expired } }, 401],
      ['a tampered body', { ...signed({ topic, body: '{"amount":1}' }), body: '{"amount":9}' }, 401],
      ['multipart', signed({ topic, body: '--x--', contentType: 'multipart/form-data; boundary=x' }), 415],
      ['malformed JSON', signed({ topic, body: '{"a":' }), 400],
      ['a body flagged base64 that is not base64', { ...signed({ topic, body: '{}' }), base64: true }, 400],
    ];
    for (const version of ['1.0', '2.0'] as const) {
      for (const [what, spec, status] of cases) {
        const event = apiEvent({ ...spec, version });
        if (what.startsWith('a body flagged base64')) event.body = '{*}';
        const result = await handle(event, lambdaContext());
        expect(result.statusCode, `${what} (payload ${version})`).toBe(status);
        expect(result.headers['content-type']).toBe('application/problem+json');
        expect(bodyOf(result)).toMatchObject({
          status,
          type: expect.stringMatching(/^tag:/),
          title: expect.any(String),
        });
      }
    }
    expect(await countRecords(brokers, topic)).toBe(before);
    expect(await countRecords(brokers, unlisted)).toBe(0);
  });

  it('answers 400 for a missing key source, writing nothing', async () => {
    const { topic } = fixture;
    const handle = createWebhookHandler({
      env: { WEBHOOK_TOPICS: topic, WEBHOOK_KEY: 'json:/data/id', KAFKA_BROKERS: brokers.join(',') },
      observability: quietObservability(),
    });
    const before = await countRecords(brokers, topic);
    const result = await handle(apiEvent({ topic, body: '{"data":{}}' }), lambdaContext());
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).detail).toBe('the body has nothing at the key pointer /data/id');
    const keyed = await handle(apiEvent({ topic, body: '{"data":{"id":"inv-9"}}' }), lambdaContext());
    expect(keyed.statusCode).toBe(200);
    expect(await countRecords(brokers, topic)).toBe(before + 1);
  });

  it("answers 413 when the broker refuses the message as larger than the topic's max.message.bytes", async () => {
    const { small, handle } = fixture;
    const result = await handle(
      apiEvent(signed({ topic: small, body: `"${'y'.repeat(3000)}"` })),
      lambdaContext(),
    );
    expect(result.statusCode, result.body).toBe(413);
    expect(await countRecords(brokers, small)).toBe(0);
    const fits = await handle(apiEvent(signed({ topic: small, body: '"ok"' })), lambdaContext());
    expect(fits.statusCode).toBe(200);
  });

  it('answers 500 (configuration, not the client) for an allowed topic missing from the cluster', async () => {
    const { absent, handle } = fixture;
    const result = await handle(apiEvent(signed({ topic: absent, body: '{}' })), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toMatchObject({ title: 'Internal error', requestId: expect.any(String) });
  });

  it('answers 503 with Retry-After when no broker listens, and 400s still without Kafka', async () => {
    const env = {
      KAFKA_BROKERS: '127.0.0.1:1',
      KAFKA_CONNECT_TIMEOUT_MS: '200',
      KAFKA_MAX_ATTEMPTS: '2',
      WEBHOOK_TOPICS: 'orders',
    };
    const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    const handle = createWebhookHandler({ env, warmWriter, observability: quietObservability() });
    try {
      const started = Date.now();
      const result = await handle(apiEvent({ topic: 'orders', body: '{}' }), lambdaContext());
      expect(result.statusCode).toBe(503);
      expect(result.headers['retry-after']).toBe('10');
      expect(bodyOf(result)).toMatchObject({ status: 503, title: 'Kafka unavailable' });
      expect(Date.now() - started).toBeLessThan(5000);
      // Within a short invocation the write is cut by the deadline: still a 503, never a hang.
      const short = await handle(apiEvent({ topic: 'orders', body: '{}' }), lambdaContext(700));
      expect(short.statusCode).toBe(503);
      const malformed = await handle(apiEvent({ topic: 'orders', body: '{' }), lambdaContext());
      expect(malformed.statusCode).toBe(400);
    } finally {
      await warmWriter.close();
    }
  });

  it('verifies with a secret from Secrets Manager and picks up a rotated one after a single refetch', async () => {
    const { topic } = fixture;
    moto();
    const client = new SecretsManagerClient({});
    const { ARN } = await client.send(
      new CreateSecretCommand({ Name: `webhook-${Date.now()}`, SecretString: STANDARD_SECRET }),
    );
    let fetches = 0;
    const secrets = new SecretCache(async (id) => {
      fetches++;
      return fetchSecretString(id);
    });
    const handle = createWebhookHandler({
      env: {
        KAFKA_BROKERS: brokers.join(','),
        WEBHOOK_TOPICS: topic,
        WEBHOOK_SIGNATURE: 'standard-webhooks',
        WEBHOOK_SECRET_ARN: ARN as string,
      },
      secrets,
      observability: quietObservability(),
    });
    const sign = (secret: string) => ({
      topic,
      body: '{"rotated":true}',
      headers: { 'content-type': 'application/json', ...standardWebhooksHeaders(secret, '{"rotated":true}') },
    });
    expect((await handle(apiEvent(sign(STANDARD_SECRET)), lambdaContext())).statusCode).toBe(200);
    const rotated = `whsec_${Buffer.from('the rotated standard webhook key').toString('base64')}`;
    await client.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: rotated }));
    expect((await handle(apiEvent(sign(rotated)), lambdaContext())).statusCode).toBe(200);
    expect((await handle(apiEvent(sign(STANDARD_SECRET)), lambdaContext())).statusCode).toBe(401);
    expect(fetches).toBe(2);
  });
});

// Weighted towards valid requests so that every outcome, 200 included, is reached often.
const SIGNATURES = ['valid', 'valid', 'valid', 'random', 'absent', 'tampered', 'expired'] as const;

/** One fuzzed request: every part a client or API Gateway could vary. */
const requestArbitrary = fc.record({
  version: fc.constantFrom('1.0' as const, '2.0' as const),
  topicChoice: fc.constantFrom('allowed', 'allowed', 'allowed', 'unlisted', 'random'),
  randomTopic: fc.string({ maxLength: 30 }),
  viaPathParameter: fc.boolean(),
  method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'post'),
  contentType: fc.constantFrom(...FUZZ_CONTENT_TYPES),
  body: fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
    fc.json().map((j) => Buffer.from(j)),
    fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
    fc.constant(Buffer.alloc(MAX_BYTES + 1, 0x61)),
  ),
  base64: fc.boolean(),
  signature: fc.constantFrom(...SIGNATURES),
  forgedSignature: fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .map((b) => `v1,${Buffer.from(b).toString('base64')}`),
  // Names that cannot collide with the headers the rules look at (content-type, webhook-*).
  extraHeaders: fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,15}$/), fc.string({ maxLength: 40 }), {
    maxKeys: 4,
  }),
});

type FuzzRequest = typeof requestArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** The status the webhook owes a fuzzed request, worked out from the rules, not from the code. */
function expectedStatus(request: FuzzRequest, seen: Buffer, signatures: boolean): number {
  return statusByRules({
    topicAllowed: request.topicChoice === 'allowed',
    method: request.method,
    body: seen,
    maxBytes: MAX_BYTES,
    signatureAccepted: !signatures || request.signature === 'valid',
    contentKind: request.contentType[1],
  });
}

function fuzzEvent(request: FuzzRequest, topics: { allowed: string; unlisted: string }, signatures: boolean) {
  // API Gateway passes a text body as a string: bytes that are not UTF-8 arrive replaced.
  const seen = request.base64 ? request.body : Buffer.from(request.body.toString('utf8'));
  const topic =
    request.topicChoice === 'allowed'
      ? topics.allowed
      : request.topicChoice === 'unlisted'
        ? topics.unlisted
        : `zz${request.randomTopic}`;
  const headers: Record<string, string> = { ...request.extraHeaders };
  const contentType = request.contentType[0];
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (signatures && request.signature !== 'absent') {
    const timestamp = Math.floor(Date.now() / 1000) - (request.signature === 'expired' ? 3600 : 0);
    const signedBody = request.signature === 'tampered' ? Buffer.concat([seen, Buffer.from('!')]) : seen;
    Object.assign(headers, standardWebhooksHeaders(STANDARD_SECRET, signedBody, { timestamp }));
    if (request.signature === 'random') headers['webhook-signature'] = request.forgedSignature;
  }
  const event = apiEvent({
    version: request.version,
    topic,
    method: request.method,
    body: seen,
    base64: request.base64,
    headers,
  }) as unknown as Record<string, unknown>;
  if (!request.viaPathParameter) event.pathParameters = null;
  return { event, seen };
}

describe('webhook fuzz (fast-check) through the real handler', () => {
  it('with Kafka up: the status the rules say, never a 5xx, no forged signature accepted, nothing written on a 4xx', async () => {
    const { topic, unlisted, handle } = fixture;
    const before = await countRecords(brokers, topic);
    let accepted = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestArbitrary, async (request) => {
        const { event, seen } = fuzzEvent(request, { allowed: topic, unlisted }, true);
        const result = await handle(event as never, lambdaContext());
        statuses.set(result.statusCode, (statuses.get(result.statusCode) ?? 0) + 1);
        const expected = expectedStatus(request, seen, true);
        expect(result.statusCode, result.body).toBe(expected);
        if (request.signature !== 'valid') expect(result.statusCode).not.toBe(200);
        if (result.statusCode === 200) {
          accepted++;
          expect(bodyOf(result).records).toEqual([
            { topic, partition: expect.any(Number), offset: expect.any(String) },
          ]);
        } else {
          expect(result.headers['content-type']).toBe('application/problem+json');
        }
      }),
      { numRuns: 300 },
    );
    expect(await countRecords(brokers, topic)).toBe(before + accepted);
    expect(await countRecords(brokers, unlisted)).toBe(0);
    // The generator reaches every outcome, so the property above is not vacuous.
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 401, 404, 405, 413, 415]));
  }, 300_000);

  it('with Kafka down: 503 only for requests that would have been written, the client errors unchanged', async () => {
    const env = {
      KAFKA_BROKERS: '127.0.0.1:1',
      KAFKA_CONNECT_TIMEOUT_MS: '100',
      KAFKA_MAX_ATTEMPTS: '1',
      WEBHOOK_TOPICS: 'orders',
      WEBHOOK_MAX_BYTES: String(MAX_BYTES),
    };
    const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    const handle = createWebhookHandler({ env, warmWriter, observability: quietObservability() });
    const statuses = new Map<number, number>();
    try {
      await fc.assert(
        fc.asyncProperty(requestArbitrary, async (request) => {
          const { event, seen } = fuzzEvent(request, { allowed: 'orders', unlisted: 'payments' }, false);
          const result = await handle(event as never, lambdaContext());
          statuses.set(result.statusCode, (statuses.get(result.statusCode) ?? 0) + 1);
          const expected = expectedStatus(request, seen, false);
          expect(result.statusCode, result.body).toBe(expected === 200 ? 503 : expected);
          if (result.statusCode === 503) expect(result.headers['retry-after']).toBe('10');
        }),
        { numRuns: 300 },
      );
    } finally {
      await warmWriter.close();
    }
    expect(statuses.get(503)).toBeGreaterThan(0);
    expect(statuses.get(500)).toBeUndefined();
  }, 300_000);
});
