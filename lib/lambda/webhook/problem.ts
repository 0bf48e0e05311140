/**
 * The webhook's HTTP answers, and the one place errors become status codes. Errors are RFC 9457
 * problem details (`application/problem+json`: type, title, status, detail, plus `requestId` to
 * quote to support); they never echo the body, a header value or a secret.
 *
 * Whose mistake decides the class: the client's -> 4xx (including a message the broker refuses as
 * too large: 413); the broker unreachable or too slow -> 503 with Retry-After, so the sender tries
 * again; only a bug or the operator's configuration (missing topic, bad credentials, unusable
 * secret) -> 500.
 */
import { ConfigError } from '../../config/errors.ts';
import { REJECTION_STATUS, type WebhookRejection, WebhookRequestError } from '../../mapping/webhook.ts';
import { SchemaRegistryError, SchemaValidationError } from '../../schema/value-serializer.ts';
import {
  AuthenticationError,
  BrokerError,
  MessageTooLargeError,
  UnknownTopicError,
  WriteAbortedError,
  WriteErrors,
  WriterClosedError,
} from '../../writer/errors.ts';
import type { RecordMetadata } from '../../writer/writer.ts';
import { ClaimCheckError } from '../claim-check.ts';
import { fieldText } from '../schema-failures.ts';
import { IdempotencyStoreError } from './idempotency.ts';
import { WebhookSecretError } from './signatures.ts';

/** Problems the webhook answers with. */
export type WebhookProblem =
  | WebhookRejection
  | 'invalid-value'
  | 'broker-unavailable'
  | 'schema-registry-unavailable'
  | 'payload-storage-unavailable'
  | 'idempotency-store-unavailable'
  | 'internal-error';

/** A problem's RFC 9457 type URI, title and status. */
export interface ProblemType {
  type: string;
  title: string;
  status: number;
}

/**
 * Each problem's type URI and title. Tag URIs (RFC 4151) name the problem without promising a
 * page to dereference, which RFC 9457 §3.1.1 allows.
 */
export const PROBLEM_TYPES: Readonly<Record<WebhookProblem, ProblemType>> = {
  'topic-not-found': problem('topic-not-found', 'Unknown webhook topic'),
  'method-not-allowed': problem('method-not-allowed', 'Method not allowed'),
  'payload-too-large': problem('payload-too-large', 'Payload too large'),
  'unsupported-media-type': problem('unsupported-media-type', 'Unsupported media type'),
  'malformed-body': problem('malformed-body', 'Malformed body'),
  'missing-key': problem('missing-key', 'Message key missing'),
  'invalid-signature': problem('invalid-signature', 'Invalid signature'),
  'request-in-progress': problem('request-in-progress', 'Request in progress'),
  'idempotency-key-reused': problem('idempotency-key-reused', 'Idempotency key reused'),
  'invalid-value': problem('invalid-value', 'Body does not match the schema', 400),
  'broker-unavailable': problem('broker-unavailable', 'Kafka unavailable', 503),
  'schema-registry-unavailable': problem('schema-registry-unavailable', 'Schema registry unavailable', 503),
  'payload-storage-unavailable': problem('payload-storage-unavailable', 'Payload storage unavailable', 503),
  'idempotency-store-unavailable': problem(
    'idempotency-store-unavailable',
    'Deduplication store unavailable',
    503,
  ),
  'internal-error': problem('internal-error', 'Internal error', 500),
};

/** Seconds a sender is asked to wait after a 503. */
export const RETRY_AFTER_SECONDS = 10;

/** Seconds a sender is asked to wait after a 409: the first request's write takes milliseconds. */
export const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

/** An API Gateway proxy result, valid for payload 1.0 and 2.0. */
export interface WebhookResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** An RFC 9457 problem details body. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  /** RFC 9457's extension for what was wrong where: `pointer` is a JSON pointer into the body. */
  errors?: ProblemError[];
}

/** One entry of a problem's `errors` (RFC 9457 §3, its example's shape). */
export interface ProblemError {
  detail: string;
  /** A JSON pointer into the request body, in URI fragment form (`#/total`). */
  pointer: string;
}

/** What an error means to the webhook's client. */
export interface Classified {
  problem: WebhookProblem;
  /** Safe to send the client. */
  detail: string;
  /** Where in the body the problem is (invalid-value). */
  errors?: ProblemError[];
}

/**
 * 200 with where the message landed: `{"records":[{"topic","partition","offset"}]}`. A replay (a
 * retry answered from the deduplication store, nothing written) carries `idempotent-replayed: true`,
 * as Stripe's API marks its own.
 */
export function recordsResponse(records: readonly RecordMetadata[], replayed = false): WebhookResult {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    },
    body: JSON.stringify({
      records: records.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
    }),
  };
}

/** A problem+json answer. */
export function problemResponse(
  problem: WebhookProblem,
  detail: string,
  requestId?: string,
  errors?: ProblemError[],
): WebhookResult {
  const { type, title, status } = PROBLEM_TYPES[problem];
  const body: ProblemDetails = {
    type,
    title,
    status,
    detail,
    ...(requestId ? { requestId } : {}),
    ...(errors ? { errors } : {}),
  };
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
  };
  if (status === 503) headers['retry-after'] = String(RETRY_AFTER_SECONDS);
  if (status === 409) headers['retry-after'] = String(IN_PROGRESS_RETRY_AFTER_SECONDS);
  if (status === 405) headers.allow = 'POST';
  return { statusCode: status, headers, body: JSON.stringify(body) };
}

/** Turns anything a request threw into its problem; unknown errors are bugs (500). */
export function classifyError(error: unknown): Classified {
  if (error instanceof WebhookRequestError) return { problem: error.rejection, detail: error.detail };
  // A single message per call, so its failure is the first (and only) entry.
  if (error instanceof WriteErrors)
    return classifyError(error.errors.find((e) => e !== undefined) ?? error.cause);
  if (error instanceof MessageTooLargeError) {
    return {
      problem: 'payload-too-large',
      detail: `the message is larger than the ${error.limitBytes} bytes Kafka accepts`,
    };
  }
  if (error instanceof BrokerError && ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE'].includes(error.code)) {
    return { problem: 'payload-too-large', detail: 'the message is larger than the topic accepts' };
  }
  // The sender's mistake: the body is valid JSON (or not) but does not fit the topic's schema.
  if (error instanceof SchemaValidationError) {
    const detail = `the body does not match the schema of the topic ${fieldText(error.field)}: ${error.message}`;
    return {
      problem: 'invalid-value',
      detail,
      errors: [{ detail: error.message, pointer: `#${encodePointerFragment(error.field)}` }],
    };
  }
  if (error instanceof SchemaRegistryError) {
    return {
      problem: 'schema-registry-unavailable',
      detail: "the topic's schema could not be fetched; nothing was written, retry later",
    };
  }
  // The body is over the claim-check threshold and S3 did not take it: nothing was written.
  if (error instanceof ClaimCheckError) {
    return {
      problem: 'payload-storage-unavailable',
      detail: 'the body could not be stored for Kafka; nothing was written, retry later',
    };
  }
  if (error instanceof UnknownTopicError || error instanceof AuthenticationError) return internal();
  if (error instanceof ConfigError || error instanceof WebhookSecretError) return internal();
  if (error instanceof IdempotencyStoreError) {
    return { problem: 'idempotency-store-unavailable', detail: error.message };
  }
  // The container is shutting down; the next invocation gets a new Writer.
  if (error instanceof WriterClosedError) {
    return { problem: 'broker-unavailable', detail: 'the function is restarting; retry later' };
  }
  if (error instanceof WriteAbortedError) {
    return {
      problem: 'broker-unavailable',
      detail: error.mayBeDelivered
        ? 'Kafka did not acknowledge the message in time; it may have been written, retry later'
        : 'Kafka did not answer in time; nothing was written, retry later',
    };
  }
  // BrokerError, FlushError, FlushTimeoutError, SecretError: `retriable` says whether waiting helps.
  if ((error as { retriable?: unknown } | null)?.retriable === true) {
    return {
      problem: 'broker-unavailable',
      detail: 'Kafka is unavailable; nothing was acknowledged, retry later',
    };
  }
  return internal();
}

/** A JSON pointer as a URI fragment (RFC 6901 §6): characters outside the fragment set %-encoded. */
function encodePointerFragment(pointer: string): string {
  return pointer.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/gu, (c) =>
    [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

function internal(): Classified {
  return {
    problem: 'internal-error',
    detail: 'the webhook could not be processed; the request id locates the cause in the logs',
  };
}

function problem(
  name: WebhookProblem,
  title: string,
  status = REJECTION_STATUS[name as WebhookRejection],
): ProblemType {
  return { type: `tag:kafka-lambda-bridge,2025:webhook/${name}`, title, status };
}
