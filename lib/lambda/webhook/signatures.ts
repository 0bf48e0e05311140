/**
 * Webhook signature schemes, each verified over the raw body bytes with HMAC-SHA256 and a
 * constant-time comparison (crypto.timingSafeEqual on equal-length digests):
 *
 * - Standard Webhooks (standardwebhooks.com, spec 1.0): `webhook-id`, `webhook-timestamp` (unix
 *   seconds), `webhook-signature` = space-separated `v1,<base64>` entries (several during a key
 *   rotation; other versions such as `v1a` are skipped). Signed content `${id}.${timestamp}.${body}`,
 *   key = the base64 after `whsec_`.
 * - GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body, key = the secret's UTF-8 bytes. GitHub
 *   signs no timestamp, so there is nothing to hold a replay against.
 * - Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]` (other schemes such as `v0`
 *   skipped) over `${t}.${body}`, key = the whole `whsec_...` string as UTF-8 (not base64-decoded,
 *   unlike Standard Webhooks).
 * - hmac-sha256: `X-Signature: sha256=<hex>` over the body, key = the secret's UTF-8 bytes.
 *
 * Signed timestamps further than the tolerance from the clock, in either direction, are refused.
 * A secret that is empty or too short (see webhookSecretProblem) is never used as a key: every
 * verifier throws WebhookSecretError instead, so an operator's mistake cannot turn into an HMAC
 * anyone can compute.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type WebhookSignatureScheme, webhookSecretProblem } from '../../config/webhook-config.ts';

/** What a scheme reads from a request. */
export interface SignedRequest {
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
  /** The body bytes exactly as received. */
  body: Buffer;
}

/** The clock and tolerance a signed timestamp is checked against. */
export interface VerifyOptions {
  nowSeconds: number;
  toleranceSeconds: number;
}

/** Why a signature was not accepted. Only `mismatch` can be cured by a newer secret. */
export const SignatureFailure = {
  Missing: 'missing',
  Malformed: 'malformed',
  Expired: 'expired',
  Mismatch: 'mismatch',
} as const;
export type SignatureFailure = (typeof SignatureFailure)[keyof typeof SignatureFailure];

/** The outcome of a verification; `detail` is safe to show the client. */
export type SignatureVerdict = { valid: true } | { valid: false; failure: SignatureFailure; detail: string };

/** The signing secret cannot be used by its scheme (an operator's mistake, never the client's). */
export class WebhookSecretError extends Error {
  readonly retriable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookSecretError';
  }
}

const VALID: SignatureVerdict = { valid: true };
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const TIMESTAMP = /^[0-9]{1,15}$/;

/** Verifies a request with the configured scheme; `none` accepts everything. */
export function verifySignature(
  scheme: WebhookSignatureScheme,
  secret: string,
  request: SignedRequest,
  options: VerifyOptions,
): SignatureVerdict {
  switch (scheme) {
    case 'none':
      return VALID;
    case 'standard-webhooks':
      return verifyStandardWebhooks(secret, request, options);
    case 'github':
      return verifyGitHub(secret, request);
    case 'stripe':
      return verifyStripe(secret, request, options);
    case 'hmac-sha256':
      return verifyHmacSha256(secret, request);
  }
}

/** Standard Webhooks `v1` (symmetric) signatures. */
export function verifyStandardWebhooks(
  secret: string,
  request: SignedRequest,
  options: VerifyOptions,
): SignatureVerdict {
  const key = standardWebhooksKey(secret);
  const id = request.headers['webhook-id'];
  const timestamp = request.headers['webhook-timestamp'];
  const signatures = request.headers['webhook-signature'];
  if (!id || !timestamp || !signatures) {
    return failed('missing', 'the webhook-id, webhook-timestamp and webhook-signature headers are required');
  }
  const expired = checkTimestamp(timestamp, options, 'webhook-timestamp');
  if (expired) return expired;
  const expected = hmac(key, `${id}.${timestamp}.`, request.body);
  const candidates: Buffer[] = [];
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const encoded = entry.slice(comma + 1);
    if (BASE64.test(encoded)) candidates.push(Buffer.from(encoded, 'base64'));
  }
  if (candidates.length === 0) return failed('malformed', 'webhook-signature has no v1,<base64> signature');
  return anyMatches(expected, candidates);
}

/** GitHub's `X-Hub-Signature-256`. */
export function verifyGitHub(secret: string, request: SignedRequest): SignatureVerdict {
  return verifyPrefixedHex(utf8Key('github', secret), request, 'x-hub-signature-256');
}

/** Plain `X-Signature: sha256=<hex>` of the body. */
export function verifyHmacSha256(secret: string, request: SignedRequest): SignatureVerdict {
  return verifyPrefixedHex(utf8Key('hmac-sha256', secret), request, 'x-signature');
}

/** Stripe's `Stripe-Signature`. */
export function verifyStripe(
  secret: string,
  request: SignedRequest,
  options: VerifyOptions,
): SignatureVerdict {
  const key = utf8Key('stripe', secret);
  const header = request.headers['stripe-signature'];
  if (!header) return failed('missing', 'the Stripe-Signature header is required');
  let timestamp: string | undefined;
  const candidates: Buffer[] = [];
  for (const item of header.split(',')) {
    const equals = item.indexOf('=');
    if (equals < 0) continue;
    const name = item.slice(0, equals).trim();
    const value = item.slice(equals + 1).trim();
    if (name === 't') timestamp = value;
    else if (name === 'v1' && HEX_SHA256.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || candidates.length === 0) {
    return failed('malformed', 'Stripe-Signature needs t=<timestamp> and at least one v1=<hex> signature');
  }
  const expired = checkTimestamp(timestamp, options, 'the Stripe-Signature timestamp');
  if (expired) return expired;
  return anyMatches(hmac(key, `${timestamp}.`, request.body), candidates);
}

/** The HMAC key of a Standard Webhooks secret (`whsec_` + base64); throws if it is unusable. */
export function standardWebhooksKey(secret: string): Buffer {
  refuseUnusable('standard-webhooks', secret);
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** The HMAC key of a secret used as its UTF-8 bytes (GitHub, Stripe, hmac-sha256). */
function utf8Key(scheme: WebhookSignatureScheme, secret: string): Buffer {
  refuseUnusable(scheme, secret);
  return Buffer.from(secret, 'utf8');
}

function refuseUnusable(scheme: WebhookSignatureScheme, secret: string): void {
  const problem = webhookSecretProblem(scheme, secret);
  if (problem) {
    throw new WebhookSecretError(`the ${scheme} signing secret is ${problem} (the value is not shown)`);
  }
}

function verifyPrefixedHex(key: Buffer, request: SignedRequest, headerName: string): SignatureVerdict {
  const header = request.headers[headerName];
  if (!header) return failed('missing', `the ${headerName} header is required`);
  const match = /^sha256=(.*)$/.exec(header.trim());
  const hex = match?.[1];
  if (hex === undefined || !HEX_SHA256.test(hex)) {
    return failed('malformed', `${headerName} must be sha256=<64 hex digits>`);
  }
  return anyMatches(hmac(key, '', request.body), [Buffer.from(hex, 'hex')]);
}

function checkTimestamp(text: string, options: VerifyOptions, what: string): SignatureVerdict | undefined {
  if (!TIMESTAMP.test(text)) return failed('malformed', `${what} must be unix seconds`);
  if (Math.abs(options.nowSeconds - Number(text)) > options.toleranceSeconds) {
    return failed('expired', `${what} is more than ${options.toleranceSeconds} s away from the current time`);
  }
  return undefined;
}

function hmac(key: Buffer, prefix: string, body: Buffer): Buffer {
  return createHmac('sha256', key).update(prefix, 'utf8').update(body).digest();
}

/** Compares every candidate in constant time; a digest of another length never matches. */
function anyMatches(expected: Buffer, candidates: readonly Buffer[]): SignatureVerdict {
  let matched = false;
  for (const candidate of candidates) {
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
  }
  return matched ? VALID : failed('mismatch', 'the signature does not match the body');
}

function failed(failure: SignatureFailure, detail: string): SignatureVerdict {
  return { valid: false, failure, detail };
}
