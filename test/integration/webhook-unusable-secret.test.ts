import { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { fetchSecretString, SecretCache } from '../../lib/auth/secrets.ts';
import type { WebhookSignatureScheme } from '../../lib/config/webhook-config.ts';
import { clearContainerWarmWriter } from '../../lib/lambda/container.ts';
import { createWebhookHandler } from '../../lib/lambda/webhook/handler.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { countRecords, createTopic } from '../support/topics.ts';
import {
  apiEvent,
  bodyOf,
  gitHubSignature,
  hmacSignature,
  lambdaContext,
  quietObservability,
  standardWebhooksHeaders,
  stripeSignature,
} from '../unit/webhook/support.ts';

const brokers = inject('kafkaBrokers');
const moto = useMoto();
const BODY = '{"event":"forged"}';
type SignedScheme = Exclude<WebhookSignatureScheme, 'none'>;
const SCHEMES: SignedScheme[] = ['standard-webhooks', 'github', 'stripe', 'hmac-sha256'];

/**
 * Headers signed with `key` as each scheme's sender signs; with an empty key, what anyone can
 * send (Standard Webhooks: an empty base64 key after whsec_).
 */
function signedWith(scheme: SignedScheme, key: string): Record<string, string> {
  switch (scheme) {
    case 'standard-webhooks':
      return standardWebhooksHeaders(key, BODY);
    case 'github':
      return { 'x-hub-signature-256': gitHubSignature(key, BODY), 'x-github-delivery': 'd-1' };
    case 'stripe':
      return { 'stripe-signature': stripeSignature(key, BODY) };
    case 'hmac-sha256':
      return { 'x-signature': hmacSignature(key, BODY) };
  }
}

async function storeSecret(value: string): Promise<string> {
  const client = new SecretsManagerClient({});
  const name = `webhook-unusable-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const { ARN } = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return ARN as string;
}

function webhookFor(topic: string, scheme: SignedScheme, arn: string) {
  return createWebhookHandler({
    env: {
      KAFKA_BROKERS: brokers.join(','),
      WEBHOOK_TOPICS: topic,
      WEBHOOK_SIGNATURE: scheme,
      WEBHOOK_SECRET_ARN: arn,
    },
    // A cache of the test's own, so no secret is shared between tests; reads go to moto.
    secrets: new SecretCache(fetchSecretString),
    minSecretRefetchIntervalMs: 0,
    observability: { ...quietObservability(), logger: new Logger({ serviceName: 'webhook-it' }) },
  });
}

const send = (handle: ReturnType<typeof webhookFor>, topic: string, headers: Record<string, string>) =>
  handle(
    apiEvent({ topic, body: BODY, headers: { 'content-type': 'application/json', ...headers } }),
    lambdaContext(),
  );

describe('webhook with an unusable secret in Secrets Manager (moto) and a real broker', () => {
  let logs = '';
  beforeEach(() => {
    logs = '';
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logs += String(chunk);
        return true;
      });
    }
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await clearContainerWarmWriter();
  });

  it.each(['', '   ', '{"secret":""}'])(
    'refuses a signature forged with the empty key in every scheme when the secret is %j',
    async (stored) => {
      moto();
      const arn = await storeSecret(stored);
      const topic = await createTopic(brokers, { partitions: 1 });

      for (const scheme of SCHEMES) {
        const result = await send(webhookFor(topic, scheme, arn), topic, signedWith(scheme, ''));
        expect(result.statusCode, `${scheme}: ${result.body}`).toBe(500);
        expect(result.headers['content-type']).toBe('application/problem+json');
        expect(bodyOf(result).status).toBe(500);
      }

      expect(await countRecords(brokers, topic)).toBe(0);
      expect(logs.match(/webhook failed/g)).toHaveLength(SCHEMES.length);
      // moto keeps an empty SecretString as no value at all (ResourceNotFoundException): that
      // fails closed before the bridge sees a secret. Any other value reaches the length check.
      if (stored !== '') expect(logs).toContain('is empty (the value is not shown)');
    },
  );

  it.each(SCHEMES)(
    '%s: fails closed after a rotation to an empty secret, and recovers once fixed',
    async (scheme) => {
      moto();
      const good =
        scheme === 'standard-webhooks'
          ? `whsec_${Buffer.alloc(32, 5).toString('base64')}`
          : 'a-good-secret-of-32-bytes-length';
      const arn = await storeSecret(good);
      const topic = await createTopic(brokers, { partitions: 1 });
      const handle = webhookFor(topic, scheme, arn);
      const client = new SecretsManagerClient({});

      expect((await send(handle, topic, signedWith(scheme, good))).statusCode).toBe(200);
      await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: '{"secret":""}' }));
      // The forged request mismatches the cached secret, which refetches: now empty.
      expect((await send(handle, topic, signedWith(scheme, ''))).statusCode).toBe(500);
      expect((await send(handle, topic, signedWith(scheme, ''))).statusCode).toBe(500);
      await client.send(
        new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ secret: good }) }),
      );
      expect((await send(handle, topic, signedWith(scheme, good))).statusCode).toBe(200);

      const records = await consumeWithKcat(brokers, topic, { count: 2 });
      expect(records.map((r) => r.value?.toString())).toEqual([BODY, BODY]);
      expect(logs).not.toContain(good);
    },
  );
});
