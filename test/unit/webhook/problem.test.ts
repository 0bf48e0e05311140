import { describe, expect, it } from 'vitest';
import { SecretError } from '../../../lib/auth/errors.ts';
import { ConfigError } from '../../../lib/config/errors.ts';
import { ClaimCheckError } from '../../../lib/lambda/claim-check.ts';
import { IdempotencyStoreError } from '../../../lib/lambda/webhook/idempotency.ts';
import {
  classifyError,
  IN_PROGRESS_RETRY_AFTER_SECONDS,
  PROBLEM_TYPES,
  problemResponse,
  RETRY_AFTER_SECONDS,
  recordsResponse,
} from '../../../lib/lambda/webhook/problem.ts';
import { WebhookSecretError } from '../../../lib/lambda/webhook/signatures.ts';
import { WebhookRequestError } from '../../../lib/mapping/webhook.ts';
import { SchemaRegistryError, SchemaValidationError } from '../../../lib/schema/value-serializer.ts';
import {
  AuthenticationError,
  BrokerError,
  FlushTimeoutError,
  InvalidMessageError,
  MessageTooLargeError,
  UnknownTopicError,
  WriteAbortedError,
  WriteErrors,
  WriterClosedError,
} from '../../../lib/writer/errors.ts';

const retriableBroker = () =>
  new BrokerError('KafkaJSConnectionError after 3 attempts', 'KafkaJSConnectionError', 3, {
    retriable: true,
  });

describe('classifyError', () => {
  it.each([
    ['a rejected request', 400, new WebhookRequestError('missing-key', 'x')],
    [
      'a message larger than batchBytes',
      413,
      new MessageTooLargeError({ value: 'x' }, [], 2_000_000, 1_048_576),
    ],
    [
      'a batch the broker refuses as too large',
      413,
      new BrokerError('too large', 'MESSAGE_TOO_LARGE', 1, { retriable: false }),
    ],
    [
      'WriteErrors around a broker too-large answer',
      413,
      new WriteErrors([new BrokerError('too large', 'RECORD_LIST_TOO_LARGE', 1, { retriable: false })]),
    ],
    ['a broker unreachable after every attempt', 503, retriableBroker()],
    ['the deduplication store unreachable', 503, new IdempotencyStoreError('DynamoDB unreachable')],
    ['a delivery in flight', 409, new WebhookRequestError('request-in-progress', 'x')],
    ['a delivery id reused with another body', 422, new WebhookRequestError('idempotency-key-reused', 'x')],
    ['WriteErrors around an unreachable broker', 503, new WriteErrors([retriableBroker()])],
    ['a write that ran out of time, never sent', 503, new WriteAbortedError('timeout', false)],
    ['a write that ran out of time in flight', 503, new WriteAbortedError('timeout', true)],
    ['a flush that ran out of time', 503, new FlushTimeoutError(1)],
    ['a closing Writer', 503, new WriterClosedError()],
    ['a claim-check value S3 did not store', 503, new WriteErrors([new ClaimCheckError('S3 down')])],
    [
      'a body that does not match the schema',
      400,
      new WriteErrors([new SchemaValidationError('bad', '/id')]),
    ],
    ['a schema registry that cannot answer', 503, new WriteErrors([new SchemaRegistryError('down')])],
    ['Secrets Manager throttling', 503, new SecretError('cannot read secret x: ThrottlingException', true)],
    ['a missing secret', 500, new SecretError('cannot read secret x: ResourceNotFoundException', false)],
    ['a topic missing from the cluster', 500, new UnknownTopicError('orders')],
    ['credentials the broker rejects', 500, new AuthenticationError('authentication failed')],
    [
      'a broker refusing for good',
      500,
      new BrokerError('denied', 'TOPIC_AUTHORIZATION_FAILED', 1, { retriable: false }),
    ],
    ['an unusable signing secret', 500, new WebhookSecretError('bad')],
    ['bad configuration', 500, new ConfigError(['x'])],
    ['a bug', 500, new TypeError('undefined is not a function')],
    ['a writer-side bug', 500, new InvalidMessageError(0, 'value')],
    ['a thrown string', 500, 'boom'],
    ['undefined', 500, undefined],
  ])('%s -> %i', (_what, status, error) => {
    expect(PROBLEM_TYPES[classifyError(error).problem].status).toBe(status);
  });

  it('says whether a timed-out message may still land', () => {
    expect(classifyError(new WriteAbortedError('timeout', true)).detail).toContain('may have been written');
    expect(classifyError(new WriteAbortedError('timeout', false)).detail).toContain('nothing was written');
  });

  it('says a claim-check failure wrote nothing, without S3 details', () => {
    const { problem, detail } = classifyError(
      new WriteErrors([new ClaimCheckError('s3://b/k: ECONNREFUSED')]),
    );
    expect(problem).toBe('payload-storage-unavailable');
    expect(detail).toContain('nothing was written');
    expect(detail).not.toContain('ECONNREFUSED');
  });

  it('names the field a body fails its schema at, as a JSON pointer into the body', () => {
    const { problem, detail, errors } = classifyError(
      new WriteErrors([new SchemaValidationError('must be >= 0', '/items/0/qty ü')]),
    );
    expect(problem).toBe('invalid-value');
    expect(detail).toBe('the body does not match the schema of the topic at /items/0/qty ü: must be >= 0');
    // RFC 9457's own example shape; the pointer as a URI fragment (RFC 6901 §6).
    expect(errors).toEqual([{ detail: 'must be >= 0', pointer: '#/items/0/qty%20%C3%BC' }]);
    const response = problemResponse(problem, detail, 'req-1', errors);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).errors).toEqual(errors);
  });

  it('says a body that fails as a whole does so, pointing at the whole document', () => {
    const { detail, errors } = classifyError(new SchemaValidationError('the value is not JSON', ''));
    expect(detail).toBe('the body does not match the schema of the topic as a whole: the value is not JSON');
    expect(errors).toEqual([{ detail: 'the value is not JSON', pointer: '#' }]);
  });

  it('says an unavailable registry wrote nothing, without its details', () => {
    const { problem, detail } = classifyError(
      new SchemaRegistryError('GET http://10.0.0.7:8081/subjects/orders-value: ECONNREFUSED'),
    );
    expect(problem).toBe('schema-registry-unavailable');
    expect(detail).toContain('nothing was written');
    expect(detail).not.toContain('10.0.0.7');
  });

  it('never passes internal error text to the client', () => {
    const { detail } = classifyError(new TypeError('secret=hunter2 at /var/task/index.js'));
    expect(detail).not.toContain('hunter2');
    expect(classifyError(retriableBroker()).detail).not.toContain('KafkaJS');
  });
});

describe('responses', () => {
  it('answers 200 with topic, partition and offset per record', () => {
    const response = recordsResponse([{ topic: 'orders', partition: 2, offset: '41' }]);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({ records: [{ topic: 'orders', partition: 2, offset: '41' }] });
    expect(response.headers['idempotent-replayed']).toBeUndefined();
  });

  it('marks a replayed answer with idempotent-replayed: true', () => {
    const response = recordsResponse([{ topic: 'orders', partition: 2, offset: '41' }], true);
    expect(response.headers['idempotent-replayed']).toBe('true');
  });

  it.each(Object.entries(PROBLEM_TYPES))(
    'answers %s as RFC 9457 problem+json',
    (problem, { status, title, type }) => {
      const response = problemResponse(problem as keyof typeof PROBLEM_TYPES, 'what happened', 'req-1');
      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(response.body)).toEqual({
        type,
        title,
        status,
        detail: 'what happened',
        requestId: 'req-1',
      });
      const retryAfter = { 503: RETRY_AFTER_SECONDS, 409: IN_PROGRESS_RETRY_AFTER_SECONDS }[status];
      expect(response.headers['retry-after']).toBe(retryAfter === undefined ? undefined : String(retryAfter));
      expect(response.headers.allow).toBe(status === 405 ? 'POST' : undefined);
    },
  );
});
