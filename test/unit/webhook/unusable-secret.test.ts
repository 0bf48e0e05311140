import { createHmac } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SecretCache } from '../../../lib/auth/secrets.ts';
import { readWebhookConfig, type WebhookSignatureScheme } from '../../../lib/config/webhook-config.ts';
import type { WarmWriter } from '../../../lib/lambda/warm-writer.ts';
import { createWebhookHandler } from '../../../lib/lambda/webhook/handler.ts';
import { verifySignature, WebhookSecretError } from '../../../lib/lambda/webhook/signatures.ts';
import {
  apiEvent,
  bodyOf,
  gitHubSignature,
  hmacSignature,
  lambdaContext,
  nowSeconds,
  quietObservability,
  STANDARD_SECRET,
  stripeSignature,
} from './support.ts';

type SignedScheme = Exclude<WebhookSignatureScheme, 'none'>;

const BODY = '{"event":"paid"}';
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook';
/** 16 bytes: the least accepted for github, stripe (after whsec_) and hmac-sha256. */
const SIXTEEN = 'sixteen-byte-key';
/** 24 key bytes: the least the Standard Webhooks specification allows. */
const STANDARD_24 = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;

/**
 * Headers signed with `key` exactly as the bridge would derive it from the secret: what an
 * attacker sends once they know (or guess) that key. Standard Webhooks keys are base64 after whsec_.
 */
function signedWith(scheme: SignedScheme, key: string, body = BODY): Record<string, string> {
  switch (scheme) {
    case 'standard-webhooks': {
      const id = 'msg_forged';
      const ts = nowSeconds();
      const raw = Buffer.from(key.replace(/^whsec_/, ''), 'base64');
      const mac = createHmac('sha256', raw).update(`${id}.${ts}.`).update(body).digest('base64');
      return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': `v1,${mac}` };
    }
    case 'github':
      return { 'x-hub-signature-256': gitHubSignature(key, body), 'x-github-delivery': 'd-1' };
    case 'stripe':
      return { 'stripe-signature': stripeSignature(key, body) };
    case 'hmac-sha256':
      return { 'x-signature': hmacSignature(key, body) };
  }
}

const options = () => ({ nowSeconds: nowSeconds(), toleranceSeconds: 300 });
const request = (headers: Record<string, string>) => ({ headers, body: Buffer.from(BODY) });

describe('verifySignature with an empty or short secret', () => {
  it.each<[SignedScheme, string]>([
    ['github', ''],
    ['github', '   '],
    ['github', 'fifteen-bytes!!'],
    ['stripe', ''],
    ['stripe', 'whsec_'],
    ['stripe', 'whsec_fifteen-bytes!!'],
    ['hmac-sha256', ''],
    ['hmac-sha256', 'short'],
    ['standard-webhooks', ''],
    ['standard-webhooks', 'whsec_AA=='],
    ['standard-webhooks', `whsec_${Buffer.alloc(23, 7).toString('base64')}`],
  ])('%s refuses to verify with %j, even a signature made with that key', (scheme, secret) => {
    const headers = signedWith(scheme, secret);
    expect(() => verifySignature(scheme, secret, request(headers), options())).toThrow(WebhookSecretError);
  });

  it.each<[SignedScheme, string]>([
    ['github', SIXTEEN],
    ['stripe', `whsec_${SIXTEEN}`],
    ['hmac-sha256', SIXTEEN],
    ['standard-webhooks', STANDARD_24],
  ])('%s accepts a secret of the least length', (scheme, secret) => {
    const verdict = verifySignature(scheme, secret, request(signedWith(scheme, secret)), options());
    expect(verdict).toEqual({ valid: true });
  });

  it('never shows the secret in the error', () => {
    expect(() => verifySignature('github', 'tiny-secret', request({}), options())).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('tiny-secret') }),
    );
  });
});

describe('readWebhookConfig with a short WEBHOOK_SECRET', () => {
  it.each<[SignedScheme, string, string]>([
    ['github', 'fifteen-bytes!!', 'WEBHOOK_SECRET is shorter than 16 bytes (the value is not shown)'],
    ['stripe', 'whsec_short', 'WEBHOOK_SECRET is shorter than 16 bytes (the value is not shown)'],
    ['hmac-sha256', 'x', 'WEBHOOK_SECRET is shorter than 16 bytes (the value is not shown)'],
    [
      'standard-webhooks',
      'whsec_AA==',
      'WEBHOOK_SECRET is shorter than the 24 key bytes Standard Webhooks requires (the value is not shown)',
    ],
  ])('reports %s with %j at cold start', (scheme, secret, problem) => {
    const { problems } = readWebhookConfig({ WEBHOOK_SIGNATURE: scheme, WEBHOOK_SECRET: secret });
    expect(problems).toEqual([problem]);
  });

  it.each<[SignedScheme, string]>([
    ['github', SIXTEEN],
    ['stripe', `whsec_${SIXTEEN}`],
    ['hmac-sha256', SIXTEEN],
    ['standard-webhooks', STANDARD_24],
  ])('accepts %s with a secret of the least length', (scheme, secret) => {
    expect(readWebhookConfig({ WEBHOOK_SIGNATURE: scheme, WEBHOOK_SECRET: secret }).problems).toEqual([]);
  });
});

describe('webhook handler with an unusable secret in Secrets Manager', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Secrets Manager answering `values` in turn (the last one from then on); counts fetches. */
  function storedSecrets(values: string[]) {
    let fetches = 0;
    const secrets = new SecretCache(async () => values[Math.min(++fetches, values.length) - 1] ?? '');
    return { secrets, fetches: () => fetches };
  }

  function webhook(scheme: SignedScheme, secrets: SecretCache, minSecretRefetchIntervalMs?: number) {
    const write = vi.fn(async () => [{ topic: 'orders', partition: 0, offset: '1' }]);
    const lines: string[] = [];
    const logger = new Logger({ serviceName: 'webhook-test', logLevel: 'INFO' });
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      });
    }
    const handle = createWebhookHandler({
      env: { WEBHOOK_TOPICS: 'orders', WEBHOOK_SIGNATURE: scheme, WEBHOOK_SECRET_ARN: ARN },
      observability: { ...quietObservability(), logger },
      warmWriter: { write } as unknown as WarmWriter,
      secrets,
      ...(minSecretRefetchIntervalMs === undefined ? {} : { minSecretRefetchIntervalMs }),
    });
    const send = (headers: Record<string, string>) =>
      handle(
        apiEvent({ body: BODY, headers: { 'content-type': 'application/json', ...headers } }),
        lambdaContext(),
      );
    return { send, write, logs: () => lines.join('') };
  }

  const SCHEMES: SignedScheme[] = ['standard-webhooks', 'github', 'stripe', 'hmac-sha256'];
  // [what Secrets Manager holds, the HMAC key the bridge used to derive from it]
  const UNUSABLE: Array<[string, string]> = [
    ['', ''],
    ['   ', ''],
    ['{"secret":""}', ''],
    ['{"secret":"   "}', '   '],
    ['{"secret":null}', '{"secret":null}'],
    ['{"secret":false}', '{"secret":false}'],
    ['{"token":"not the secret field"}', '{"token":"not the secret field"}'],
    ['whsec_AA==', 'whsec_AA=='],
  ];
  const CASES = SCHEMES.flatMap((scheme) =>
    UNUSABLE.map(([stored, key]) => [scheme, stored, key] as [SignedScheme, string, string]),
  );

  it.each(CASES)(
    '%s: stored %j fails closed: 500 problem+json, logged without the secret, nothing written',
    async (scheme, stored, key) => {
      const { secrets } = storedSecrets([stored]);
      const { send, write, logs } = webhook(scheme, secrets);

      const result = await send(signedWith(scheme, key));

      expect(result.statusCode).toBe(500);
      expect(result.headers['content-type']).toBe('application/problem+json');
      expect(bodyOf(result).title).toBe('Internal error');
      expect(write).not.toHaveBeenCalled();
      expect(logs()).toContain('webhook failed');
      expect(logs()).toContain('WebhookSecretError');
      if (stored.trim() !== '') expect(logs()).not.toContain(stored);
    },
  );

  it.each(SCHEMES)('%s: a rotation to an empty secret fails closed too', async (scheme) => {
    const good = scheme === 'standard-webhooks' ? STANDARD_SECRET : `whsec_${SIXTEEN}-and-more`;
    const { secrets, fetches } = storedSecrets([good, '{"secret":""}']);
    const { send, write } = webhook(scheme, secrets);

    expect((await send(signedWith(scheme, good))).statusCode).toBe(200);
    // A forged request is a mismatch, which refetches the secret: now empty.
    expect((await send(signedWith(scheme, ''))).statusCode).toBe(500);
    expect((await send(signedWith(scheme, good))).statusCode).toBe(500);
    expect(write).toHaveBeenCalledTimes(1);
    expect(fetches()).toBe(2);
  });

  it('picks up a fixed secret without a cold start, refetching at most once per interval', async () => {
    const { secrets, fetches } = storedSecrets(['', '', SIXTEEN]);
    const slow = webhook('github', secrets);
    for (let i = 0; i < 5; i++) expect((await slow.send(signedWith('github', ''))).statusCode).toBe(500);
    // The first failure evicts the cached value; later ones are within the 30 s floor.
    expect(fetches()).toBe(2);

    const { secrets: fixedLater, fetches: fetchesLater } = storedSecrets(['', '', SIXTEEN]);
    const fast = webhook('github', fixedLater, 0);
    expect((await fast.send(signedWith('github', SIXTEEN))).statusCode).toBe(500);
    expect((await fast.send(signedWith('github', SIXTEEN))).statusCode).toBe(500);
    expect((await fast.send(signedWith('github', SIXTEEN))).statusCode).toBe(200);
    expect(fetchesLater()).toBe(3);
  });
});
