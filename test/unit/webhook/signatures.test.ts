import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type SignedRequest,
  standardWebhooksKey,
  verifyGitHub,
  verifyHmacSha256,
  verifySignature,
  verifyStandardWebhooks,
  verifyStripe,
  WebhookSecretError,
} from '../../../lib/lambda/webhook/signatures.ts';
import {
  gitHubSignature,
  hmacSignature,
  STANDARD_SECRET,
  standardWebhooksHeaders,
  stripeSignature,
} from './support.ts';

const NOW = 1_700_000_000;
const options = { nowSeconds: NOW, toleranceSeconds: 300 };
const BODY = Buffer.from('{"type":"invoice.paid","data":{"id":"inv_1"}}');
const TAMPERED = Buffer.from('{"type":"invoice.paid","data":{"id":"inv_2"}}');

function request(headers: Record<string, string>, body: Buffer = BODY): SignedRequest {
  return { headers, body };
}

describe('Standard Webhooks', () => {
  it("accepts the specification's published test vector", () => {
    const verdict = verifyStandardWebhooks(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      request(
        {
          'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
          'webhook-timestamp': '1614265330',
          'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
        },
        Buffer.from('{"test": 2432232314}'),
      ),
      { nowSeconds: 1614265330, toleranceSeconds: 300 },
    );
    expect(verdict).toEqual({ valid: true });
  });

  it('accepts a valid signature, with or without the whsec_ prefix on the secret', () => {
    const headers = standardWebhooksHeaders(STANDARD_SECRET, BODY, { timestamp: NOW });
    expect(verifyStandardWebhooks(STANDARD_SECRET, request(headers), options).valid).toBe(true);
    expect(verifyStandardWebhooks(STANDARD_SECRET.slice(6), request(headers), options).valid).toBe(true);
  });

  it('accepts any one of several space-separated signatures (key rotation) and skips v1a', () => {
    const good = standardWebhooksHeaders(STANDARD_SECRET, BODY, { id: 'msg_1', timestamp: NOW })[
      'webhook-signature'
    ];
    const other = standardWebhooksHeaders('whsec_b3RoZXI=', BODY, { id: 'msg_1', timestamp: NOW })[
      'webhook-signature'
    ];
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(NOW),
      'webhook-signature': `v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== ${other} ${good}`,
    };
    expect(verifyStandardWebhooks(STANDARD_SECRET, request(headers), options).valid).toBe(true);
  });

  it('refuses a tampered body, a changed id or timestamp, and a wrong secret', () => {
    const headers = standardWebhooksHeaders(STANDARD_SECRET, BODY, { id: 'msg_1', timestamp: NOW });
    expect(verifyStandardWebhooks(STANDARD_SECRET, request(headers, TAMPERED), options)).toMatchObject({
      valid: false,
      failure: 'mismatch',
    });
    expect(
      verifyStandardWebhooks(STANDARD_SECRET, request({ ...headers, 'webhook-id': 'msg_2' }), options),
    ).toMatchObject({
      failure: 'mismatch',
    });
    expect(
      verifyStandardWebhooks(
        STANDARD_SECRET,
        request({ ...headers, 'webhook-timestamp': String(NOW + 1) }),
        options,
      ),
    ).toMatchObject({ failure: 'mismatch' });
    expect(
      verifyStandardWebhooks(
        `whsec_${Buffer.from('a wrong Standard Webhooks key').toString('base64')}`,
        request(headers),
        options,
      ),
    ).toMatchObject({
      failure: 'mismatch',
    });
  });

  it.each([
    [NOW - 301, 'expired'],
    [NOW + 301, 'expired'],
    [NOW - 300, 'valid'],
    [NOW + 300, 'valid'],
  ])('checks the timestamp %i against a 300 s tolerance', (timestamp, outcome) => {
    const headers = standardWebhooksHeaders(STANDARD_SECRET, BODY, { timestamp });
    const verdict = verifyStandardWebhooks(STANDARD_SECRET, request(headers), options);
    expect(verdict.valid ? 'valid' : verdict.failure).toBe(outcome);
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'refuses a request without %s',
    (name) => {
      const headers: Record<string, string> = standardWebhooksHeaders(STANDARD_SECRET, BODY, {
        timestamp: NOW,
      });
      delete headers[name];
      expect(verifyStandardWebhooks(STANDARD_SECRET, request(headers), options)).toMatchObject({
        failure: 'missing',
      });
    },
  );

  it.each([
    ['webhook-timestamp', '1.7e9', 'malformed'],
    ['webhook-timestamp', '-5', 'malformed'],
    ['webhook-signature', 'v2,abc=', 'malformed'],
    ['webhook-signature', 'v1,***', 'malformed'],
    ['webhook-signature', 'v1,YWJj', 'mismatch'],
  ])('refuses %s: %s', (name, value, failure) => {
    const headers = { ...standardWebhooksHeaders(STANDARD_SECRET, BODY, { timestamp: NOW }), [name]: value };
    expect(verifyStandardWebhooks(STANDARD_SECRET, request(headers), options)).toMatchObject({
      valid: false,
      failure,
    });
  });

  it('throws WebhookSecretError for a secret that is not whsec_<base64>', () => {
    expect(() => standardWebhooksKey('whsec_%%%')).toThrow(WebhookSecretError);
    expect(() => verifyStandardWebhooks('', request({}), options)).toThrow(WebhookSecretError);
  });
});

describe('GitHub X-Hub-Signature-256', () => {
  it("accepts GitHub's documented example", () => {
    const verdict = verifyGitHub(
      "It's a Secret to Everybody",
      request(
        { 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' },
        Buffer.from('Hello, World!'),
      ),
    );
    expect(verdict).toEqual({ valid: true });
  });

  it('accepts a valid signature (hex in either case) and refuses a tampered body or wrong secret', () => {
    const signature = gitHubSignature('github-s3cret-for-tests', BODY);
    expect(verifyGitHub('github-s3cret-for-tests', request({ 'x-hub-signature-256': signature })).valid).toBe(
      true,
    );
    expect(
      verifyGitHub(
        'github-s3cret-for-tests',
        request({ 'x-hub-signature-256': signature.toUpperCase().replace('SHA256', 'sha256') }),
      ).valid,
    ).toBe(true);
    expect(
      verifyGitHub('github-s3cret-for-tests', request({ 'x-hub-signature-256': signature }, TAMPERED)),
    ).toMatchObject({
      failure: 'mismatch',
    });
    expect(
      verifyGitHub('another-github-secret', request({ 'x-hub-signature-256': signature })),
    ).toMatchObject({
      failure: 'mismatch',
    });
  });

  it.each([
    [{}, 'missing'],
    [{ 'x-hub-signature': 'sha1=0000000000000000000000000000000000000000' }, 'missing'],
    [{ 'x-hub-signature-256': 'sha1=abc' }, 'malformed'],
    [{ 'x-hub-signature-256': 'sha256=abc' }, 'malformed'],
    [{ 'x-hub-signature-256': `sha256=${'z'.repeat(64)}` }, 'malformed'],
  ])('refuses %j as %s', (headers, failure) => {
    expect(verifyGitHub('github-s3cret-for-tests', request(headers))).toMatchObject({
      valid: false,
      failure,
    });
  });
});

describe('Stripe-Signature', () => {
  const secret = 'whsec_test_secret_for_stripe';

  it('accepts a valid signature keyed by the whole whsec_ string (not base64-decoded)', () => {
    expect(
      verifyStripe(secret, request({ 'stripe-signature': stripeSignature(secret, BODY, NOW) }), options)
        .valid,
    ).toBe(true);
  });

  it('accepts any one of several v1 signatures and ignores v0 and unknown items', () => {
    const good = stripeSignature(secret, BODY, NOW).split(',')[1];
    const header = `t=${NOW},v0=${'0'.repeat(64)},v1=${'1'.repeat(64)},${good},x=y,junk`;
    expect(verifyStripe(secret, request({ 'stripe-signature': header }), options).valid).toBe(true);
  });

  it('refuses a tampered body, a changed timestamp and a wrong secret', () => {
    const header = stripeSignature(secret, BODY, NOW);
    expect(verifyStripe(secret, request({ 'stripe-signature': header }, TAMPERED), options)).toMatchObject({
      failure: 'mismatch',
    });
    const moved = header.replace(`t=${NOW}`, `t=${NOW - 1}`);
    expect(verifyStripe(secret, request({ 'stripe-signature': moved }), options)).toMatchObject({
      failure: 'mismatch',
    });
    expect(
      verifyStripe('whsec_other_stripe_secret', request({ 'stripe-signature': header }), options),
    ).toMatchObject({
      failure: 'mismatch',
    });
  });

  it('refuses an expired timestamp, either side of the clock', () => {
    for (const t of [NOW - 301, NOW + 301]) {
      const header = stripeSignature(secret, BODY, t);
      expect(verifyStripe(secret, request({ 'stripe-signature': header }), options)).toMatchObject({
        failure: 'expired',
      });
    }
  });

  it.each([
    [{}, 'missing'],
    [{ 'stripe-signature': `v1=${'a'.repeat(64)}` }, 'malformed'],
    [{ 'stripe-signature': `t=${NOW}` }, 'malformed'],
    [{ 'stripe-signature': `t=${NOW},v0=${'a'.repeat(64)}` }, 'malformed'],
    [{ 'stripe-signature': `t=soon,v1=${'a'.repeat(64)}` }, 'malformed'],
  ])('refuses %j as %s', (headers, failure) => {
    expect(verifyStripe(secret, request(headers), options)).toMatchObject({ valid: false, failure });
  });
});

describe('hmac-sha256 X-Signature', () => {
  it('accepts a valid signature and refuses a tampered body, a wrong secret or a missing header', () => {
    const header = hmacSignature('hmac-secret-k-for-tests', BODY);
    expect(verifyHmacSha256('hmac-secret-k-for-tests', request({ 'x-signature': header })).valid).toBe(true);
    expect(
      verifyHmacSha256('hmac-secret-k-for-tests', request({ 'x-signature': header }, TAMPERED)),
    ).toMatchObject({
      failure: 'mismatch',
    });
    expect(verifyHmacSha256('hmac-secret-j-for-tests', request({ 'x-signature': header }))).toMatchObject({
      failure: 'mismatch',
    });
    expect(verifyHmacSha256('hmac-secret-k-for-tests', request({}))).toMatchObject({ failure: 'missing' });
    expect(
      verifyHmacSha256('hmac-secret-k-for-tests', request({ 'x-signature': header.slice(7) })),
    ).toMatchObject({
      failure: 'malformed',
    });
  });

  it('signs the raw bytes: a body that is not UTF-8 verifies as sent', () => {
    const body = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]);
    expect(
      verifyHmacSha256(
        'hmac-secret-k-for-tests',
        request({ 'x-signature': hmacSignature('hmac-secret-k-for-tests', body) }, body),
      ).valid,
    ).toBe(true);
  });
});

describe('verifySignature', () => {
  it('accepts everything with scheme none', () => {
    expect(verifySignature('none', '', request({}), options)).toEqual({ valid: true });
  });

  it('never accepts a random signature, in any scheme (fast-check)', () => {
    const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
    const b64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64'));
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        hex,
        b64,
        fc.string(),
        (body, randomHex, randomB64, id) => {
          const bytes = Buffer.from(body);
          const ts = String(NOW);
          const forged: Array<[Parameters<typeof verifySignature>[0], string, Record<string, string>]> = [
            [
              'standard-webhooks',
              STANDARD_SECRET,
              { 'webhook-id': id || 'x', 'webhook-timestamp': ts, 'webhook-signature': `v1,${randomB64}` },
            ],
            ['github', 'fast-check-secret-s', { 'x-hub-signature-256': `sha256=${randomHex}` }],
            ['stripe', 'fast-check-secret-s', { 'stripe-signature': `t=${ts},v1=${randomHex}` }],
            ['hmac-sha256', 'fast-check-secret-s', { 'x-signature': `sha256=${randomHex}` }],
          ];
          for (const [scheme, secret, headers] of forged) {
            expect(verifySignature(scheme, secret, { headers, body: bytes }, options).valid).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
