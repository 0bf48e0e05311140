import { createErrorFromCode } from 'kafkajs/src/protocol/error.js';
import { kafkaErrorName, mayBeWrittenAfter, produceErrorRule } from './producer/produce-errors.ts';
import type { RequiredAcks } from './required-acks.ts';
import { TransportError } from './transport.ts';

interface KafkaJsErrorLike {
  name?: string;
  type?: string;
  code?: string;
  message?: string;
  /** host:port, on kafkajs' connection and request-timeout errors. */
  broker?: string;
  retriable?: boolean;
  originalError?: unknown;
  cause?: unknown;
}

/** kafkajs errors that only wrap another one. */
const WRAPPER_NAMES = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSNonRetriableError']);
/** Client-side failures that clear up on another attempt (after a reconnect or a refresh). */
const RETRIABLE_CLIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSLockTimeout',
]);
/** Network errors raised before any byte of a request could leave. */
const NEVER_SENT_PATTERN = /ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|ENETUNREACH/;

/** The failure of one partition in a Produce answer, judged by the error table. */
export function produceAnswerError(errorCode: number, acks: RequiredAcks): TransportError {
  const protocolError = createErrorFromCode(errorCode);
  const name = kafkaErrorName(protocolError.type);
  const rule = produceErrorRule(name);
  return new TransportError(protocolError.message, rule.kind, name, mayBeWrittenAfter(rule, acks), {
    cause: protocolError,
  });
}

/** An error code from a Metadata answer (nothing was sent to be written). */
export function metadataError(errorCode: number, where: string): TransportError {
  const protocolError = createErrorFromCode(errorCode);
  const name = kafkaErrorName(protocolError.type);
  const rule = produceErrorRule(name);
  const kind = rule.kind === 'fatal' && protocolError.retriable ? 'retriable' : rule.kind;
  return new TransportError(`${where}: ${protocolError.message}`, kind, name, false, {
    cause: protocolError,
  });
}

/** Whether a request failed in a way that leaves its connection useless (Java and librdkafka close it). */
export function closesConnection(error: unknown): boolean {
  const name = unwrap(error).name;
  return name === 'KafkaJSRequestTimeoutError' || name === 'KafkaJSConnectionClosedError';
}

/**
 * Classifies a kafkajs error. `requestSent` says whether a produce request may have reached the
 * broker: every failure after that is "may have been written" unless the network says no byte
 * left, or the broker answered with a code the error table calls definitive.
 */
export function toTransportError(error: unknown, requestSent: boolean): TransportError {
  if (error instanceof TransportError) return error;
  const e = unwrap(error);
  const name = e.name ?? 'Error';
  const code = kafkaErrorName(e.type ?? name);
  const message = e.message ?? String(error);
  const broker = typeof e.broker === 'string' ? e.broker : undefined;
  const options = { cause: error, ...(broker !== undefined ? { broker } : {}) };
  if (name === 'KafkaJSSASLAuthenticationError' || code === 'SASL_AUTHENTICATION_FAILED') {
    return new TransportError(message, 'authentication', code, false, options);
  }
  if (e.type !== undefined) {
    // A broker's answer: the table knows whether it was decided before the append.
    const rule = produceErrorRule(code);
    const kind = rule.kind === 'fatal' && e.retriable === true ? 'retriable' : rule.kind;
    const written = requestSent && rule.written !== 'no';
    return new TransportError(message, kind, code, written, options);
  }
  const kind = e.retriable === true || RETRIABLE_CLIENT_NAMES.has(name) ? 'retriable' : 'fatal';
  const neverSent = NEVER_SENT_PATTERN.test(`${e.code ?? ''} ${message}`);
  return new TransportError(message, kind, code, requestSent && !neverSent, options);
}

function unwrap(error: unknown): KafkaJsErrorLike {
  let current = error as KafkaJsErrorLike;
  // kafkajs' retrier wraps the failure it gave up on (even with retries: 0); the wrapped error
  // carries the real type and retriability.
  for (let depth = 0; depth < 5 && WRAPPER_NAMES.has(current?.name ?? ''); depth++) {
    const inner = (current.originalError ?? current.cause) as KafkaJsErrorLike | undefined;
    if (!inner || typeof inner !== 'object') break;
    current = inner;
  }
  return current ?? {};
}
