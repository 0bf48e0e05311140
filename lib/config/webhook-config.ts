import { parseJsonPointer } from '../mapping/json-pointer.ts';
import type { Env } from './env-reader.ts';
import { EnvReader } from './env-reader.ts';

/** `WEBHOOK_SIGNATURE` values: how a webhook request proves it comes from its sender. */
export const WebhookSignatureScheme = {
  None: 'none',
  StandardWebhooks: 'standard-webhooks',
  GitHub: 'github',
  Stripe: 'stripe',
  HmacSha256: 'hmac-sha256',
} as const;
export type WebhookSignatureScheme = (typeof WebhookSignatureScheme)[keyof typeof WebhookSignatureScheme];

/** Where the signing secret comes from; the value itself is never part of a log or an error. */
export type WebhookSecretSource =
  | { kind: 'none' }
  /** Secrets Manager, through the container's secret cache (refetched after a rotation). */
  | { kind: 'arn'; arn: string }
  /** Given directly in `WEBHOOK_SECRET` (local use). */
  | { kind: 'value'; value: string };

/** Where a message's key comes from (`WEBHOOK_KEY`). */
export type WebhookKeySource =
  | { kind: 'none' }
  /** A request header; `name` is lower-case. */
  | { kind: 'header'; name: string }
  /** An RFC 6901 JSON pointer into the body; `tokens` are its unescaped reference tokens. */
  | { kind: 'json'; pointer: string; tokens: readonly string[] }
  /** A path parameter of the API Gateway route. */
  | { kind: 'path'; name: string };

/** The resolved `WEBHOOK_*` configuration. */
export interface WebhookConfig {
  /** Topics a request may name in `POST /webhooks/{topic}`; any other topic is a 404. */
  topics: ReadonlySet<string>;
  signature: WebhookSignatureScheme;
  secret: WebhookSecretSource;
  /** Accepted distance, in seconds, between a signed timestamp and the clock. */
  toleranceSeconds: number;
  key: WebhookKeySource;
  /** Largest accepted body in bytes (after base64 decoding); bigger is a 413. */
  maxBytes: number;
  /** Deduplication of retried deliveries; `undefined` when `WEBHOOK_IDEMPOTENCY_TABLE` is unset. */
  idempotency: WebhookIdempotencyConfig | undefined;
}

/** Where and for how long a delivery's first answer is kept (`WEBHOOK_IDEMPOTENCY_*`). */
export interface WebhookIdempotencyConfig {
  /** DynamoDB table name (partition key `id`, a string; TTL on `expiration`). */
  table: string;
  /** How long a completed delivery's answer is replayed to retries. */
  ttlSeconds: number;
}

/**
 * Default deduplication window: 3 days. Stripe retries for up to 3 days, Standard Webhooks senders
 * (Svix's schedule) for about 28 hours; a retry after the window is written again. An item is a
 * few hundred bytes, so the longer window costs next to nothing.
 */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 3 * 24 * 3600;
/** Longest window: DynamoDB's TTL deletes are lazy, and a month of answers is plenty. */
const MAX_IDEMPOTENCY_TTL_SECONDS = 30 * 24 * 3600;
/** DynamoDB's rule for table names. */
const DYNAMODB_TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** The header carrying each scheme's delivery id, the default key; `undefined` when it has none. */
export const DELIVERY_ID_HEADERS: Readonly<Record<WebhookSignatureScheme, string | undefined>> = {
  none: undefined,
  'standard-webhooks': 'webhook-id',
  github: 'x-github-delivery',
  // Stripe names the event only inside the body (`id`); `WEBHOOK_KEY=json:/id` keys by it.
  stripe: undefined,
  'hmac-sha256': undefined,
};

/** Kafka's default record limit (1 MB): a bigger body could not be written without the claim check. */
const DEFAULT_MAX_BYTES = 1_048_576;
/** Lambda refuses synchronous payloads above 6 MB, so a larger limit could never apply. */
const MAX_BODY_LIMIT_BYTES = 6 * 1024 * 1024;
/** Kafka's own rule for topic names. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
/** An HTTP field name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-zA-Z-]+$/;

/**
 * Reads the `WEBHOOK_*` variables (see DESIGN.md's trigger settings). Returns the config and every
 * problem found, so a cold start names all mistakes at once. Secret values never appear in a
 * problem's text.
 */
export function readWebhookConfig(env: Env): { config: WebhookConfig; problems: string[] } {
  const r = new EnvReader(env);
  const topics = new Set<string>();
  for (const topic of r.list('WEBHOOK_TOPICS')) {
    if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
      r.problem(
        `WEBHOOK_TOPICS entry "${topic}" is not a valid Kafka topic name ([a-zA-Z0-9._-], 1 to 249 characters)`,
      );
    } else {
      topics.add(topic);
    }
  }
  const signature = r.oneOf(
    'WEBHOOK_SIGNATURE',
    Object.values(WebhookSignatureScheme),
    WebhookSignatureScheme.None,
  );
  const secret = readSecret(r, signature);
  const config: WebhookConfig = {
    topics,
    signature,
    secret,
    toleranceSeconds: r.integer('WEBHOOK_TOLERANCE_SECONDS', 300, { min: 1, max: 7 * 24 * 3600 }),
    key: readKey(r, signature),
    // A body over the claim-check threshold goes to S3, so Kafka's 1 MB no longer bounds it;
    // Lambda's 6 MB payload limit still does (API Gateway's 10 MB cannot reach the function).
    maxBytes: r.integer(
      'WEBHOOK_MAX_BYTES',
      r.raw('KAFKA_CLAIM_CHECK_BUCKET') === undefined ? DEFAULT_MAX_BYTES : MAX_BODY_LIMIT_BYTES,
      { min: 1, max: MAX_BODY_LIMIT_BYTES },
    ),
    idempotency: readIdempotency(r),
  };
  return { config, problems: r.problems };
}

function readIdempotency(r: EnvReader): WebhookIdempotencyConfig | undefined {
  const table = r.raw('WEBHOOK_IDEMPOTENCY_TABLE');
  const ttlSeconds = r.integer('WEBHOOK_IDEMPOTENCY_TTL_SECONDS', DEFAULT_IDEMPOTENCY_TTL_SECONDS, {
    min: 1,
    max: MAX_IDEMPOTENCY_TTL_SECONDS,
  });
  if (table === undefined) {
    // A window without a table means someone expected retries to be deduplicated.
    if (r.raw('WEBHOOK_IDEMPOTENCY_TTL_SECONDS') !== undefined) {
      r.problem('WEBHOOK_IDEMPOTENCY_TTL_SECONDS is set but WEBHOOK_IDEMPOTENCY_TABLE is not');
    }
    return undefined;
  }
  if (!DYNAMODB_TABLE_NAME.test(table)) {
    r.problem(
      `WEBHOOK_IDEMPOTENCY_TABLE "${table}" is not a DynamoDB table name ([a-zA-Z0-9_.-], 3 to 255 characters)`,
    );
  }
  return { table, ttlSeconds };
}

function readSecret(r: EnvReader, signature: WebhookSignatureScheme): WebhookSecretSource {
  const arn = r.raw('WEBHOOK_SECRET_ARN');
  const value = r.raw('WEBHOOK_SECRET');
  if (arn && value) {
    r.problem('set WEBHOOK_SECRET_ARN or WEBHOOK_SECRET, not both');
  }
  if (signature === WebhookSignatureScheme.None) {
    // A secret with no scheme means requests would go unverified although someone meant them to be.
    if (arn || value) {
      r.problem(
        'WEBHOOK_SECRET_ARN/WEBHOOK_SECRET is set but WEBHOOK_SIGNATURE is none: choose the signature scheme',
      );
    }
    return { kind: 'none' };
  }
  if (!arn && !value) {
    r.problem(`WEBHOOK_SIGNATURE=${signature} needs WEBHOOK_SECRET_ARN (or WEBHOOK_SECRET for local use)`);
    return { kind: 'none' };
  }
  if (arn) {
    if (!/^arn:aws[\w-]*:secretsmanager:/.test(arn) && !/^[\w/+=.@-]{1,512}$/.test(arn)) {
      r.problem('WEBHOOK_SECRET_ARN is neither a Secrets Manager ARN nor a secret name');
    }
    return { kind: 'arn', arn };
  }
  const secret = value ?? '';
  if (signature === WebhookSignatureScheme.StandardWebhooks && standardWebhooksKeyProblem(secret)) {
    r.problem(
      'WEBHOOK_SECRET must be a Standard Webhooks secret: whsec_ followed by base64 (the value is not shown)',
    );
  } else {
    const problem = webhookSecretProblem(signature, secret);
    if (problem) r.problem(`WEBHOOK_SECRET is ${problem} (the value is not shown)`);
  }
  return { kind: 'value', value: secret };
}

/**
 * Least bytes of an HMAC-SHA256 signing secret (`github`, `stripe`, `hmac-sha256`), not counting
 * a `whsec_` prefix, which is public and so no part of the secret. An HMAC is as strong as its key:
 * an empty key lets anyone sign, and a short one can be guessed offline from one signed delivery.
 * 16 bytes (128 bits at best) sits above NIST SP 800-107's 112-bit floor for HMAC keys, and real
 * secrets clear it easily (Stripe's are whsec_ + 32 characters; GitHub's are chosen by the
 * operator, and GitHub asks for a random string with high entropy).
 */
export const MIN_WEBHOOK_SECRET_BYTES = 16;

/**
 * Least key bytes of a Standard Webhooks secret (after base64 decoding): the specification makes
 * symmetric secrets 24 to 64 random bytes, so a conforming sender's secret always passes.
 */
export const MIN_STANDARD_WEBHOOKS_KEY_BYTES = 24;

/**
 * Why a signing secret must not be used by its scheme (empty, whitespace, too short, or not
 * whsec_<base64> for Standard Webhooks), or `undefined` when it may. The text never quotes the
 * secret. Verification refuses such a secret rather than computing an HMAC anyone could forge.
 */
export function webhookSecretProblem(scheme: WebhookSignatureScheme, secret: string): string | undefined {
  if (scheme === WebhookSignatureScheme.None) return undefined;
  if (secret.trim() === '') return 'empty';
  if (scheme === WebhookSignatureScheme.StandardWebhooks) {
    const problem = standardWebhooksKeyProblem(secret);
    if (problem) return problem;
    const keyBytes = Buffer.from(secret.replace(/^whsec_/, ''), 'base64').length;
    return keyBytes < MIN_STANDARD_WEBHOOKS_KEY_BYTES
      ? `shorter than the ${MIN_STANDARD_WEBHOOKS_KEY_BYTES} key bytes Standard Webhooks requires`
      : undefined;
  }
  const secretBytes = Buffer.byteLength(secret.replace(/^whsec_/, ''), 'utf8');
  return secretBytes < MIN_WEBHOOK_SECRET_BYTES
    ? `shorter than ${MIN_WEBHOOK_SECRET_BYTES} bytes`
    : undefined;
}

/**
 * Why a Standard Webhooks secret cannot be used, or `undefined` when it can. The spec serialises
 * the key as `whsec_` + base64; the prefix is optional here because some dashboards strip it.
 */
export function standardWebhooksKeyProblem(secret: string): string | undefined {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) {
    return 'not base64 after the whsec_ prefix';
  }
  return undefined;
}

function readKey(r: EnvReader, signature: WebhookSignatureScheme): WebhookKeySource {
  const text = r.raw('WEBHOOK_KEY');
  if (text === undefined) {
    const header = DELIVERY_ID_HEADERS[signature];
    return header ? { kind: 'header', name: header } : { kind: 'none' };
  }
  if (text === 'none') return { kind: 'none' };
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const arg = colon < 0 ? '' : text.slice(colon + 1);
  switch (kind) {
    case 'header':
      if (!HEADER_NAME.test(arg)) {
        r.problem(`WEBHOOK_KEY "${text}" needs a header name after header: (e.g. header:x-github-delivery)`);
        return { kind: 'none' };
      }
      return { kind: 'header', name: arg.toLowerCase() };
    case 'path':
      if (!/^[\w-]+$/.test(arg)) {
        r.problem(`WEBHOOK_KEY "${text}" needs a path parameter name after path: (e.g. path:topic)`);
        return { kind: 'none' };
      }
      return { kind: 'path', name: arg };
    case 'json': {
      const tokens = parseJsonPointer(arg);
      if (tokens === undefined) {
        r.problem(
          `WEBHOOK_KEY "${text}" is not a JSON pointer (RFC 6901: empty or /-separated, ~0 and ~1 escapes)`,
        );
        return { kind: 'none' };
      }
      return { kind: 'json', pointer: arg, tokens };
    }
    default:
      r.problem(`WEBHOOK_KEY must be header:<name>, json:<pointer>, path:<param> or none, got "${text}"`);
      return { kind: 'none' };
  }
}
