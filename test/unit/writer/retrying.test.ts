import { describe, expect, it } from 'vitest';
import { AuthenticationError, BrokerError, WriteAbortedError } from '../../../lib/writer/errors.ts';
import { toTransportError } from '../../../lib/writer/kafkajs-errors.ts';
import { type RetryPolicy, retrying } from '../../../lib/writer/retrying.ts';
import { TransportError } from '../../../lib/writer/transport.ts';

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxAttempts: 5,
  writeBackoffMinMs: 1,
  writeBackoffMaxMs: 2,
  signal: undefined,
  sendsData: true,
  ...overrides,
});

const retriable = (maybeWritten = false) =>
  new TransportError('leader moved', 'retriable', 'NOT_LEADER_OR_FOLLOWER', maybeWritten);

describe('retrying', () => {
  it('retries retriable failures until one attempt succeeds', async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await retrying(
      async () => {
        calls++;
        if (calls < 3) throw retriable();
        return 'ok';
      },
      policy({ onRetry: (_e, attempt) => retries.push(attempt) }),
    );
    expect(result).toBe('ok');
    expect(retries).toEqual([1, 2]);
  });

  it('gives up after maxAttempts with a BrokerError that counts them', async () => {
    let calls = 0;
    const error = await retrying(
      async () => {
        calls++;
        throw retriable();
      },
      policy({ maxAttempts: 3 }),
    ).catch((e) => e);
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(BrokerError);
    expect(error).toMatchObject({ attempts: 3, code: 'NOT_LEADER_OR_FOLLOWER', retriable: true });
  });

  it('does not retry an authentication failure', async () => {
    let calls = 0;
    const error = await retrying(async () => {
      calls++;
      throw new TransportError('bad password', 'authentication', 'SASL', false);
    }, policy()).catch((e) => e);
    expect(calls).toBe(1);
    expect(error).toBeInstanceOf(AuthenticationError);
  });

  it('reports an abort during backoff as not delivered when no attempt could have been written', async () => {
    const controller = new AbortController();
    const error = await retrying(
      async () => {
        controller.abort();
        throw retriable(false);
      },
      policy({ signal: controller.signal, writeBackoffMinMs: 1000, writeBackoffMaxMs: 1000 }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(WriteAbortedError);
    expect((error as WriteAbortedError).mayBeDelivered).toBe(false);
  });

  it('reports an abort as maybe delivered once an attempt may have been written', async () => {
    // A broker answer that comes after the leader appended the batch cannot be provoked on a
    // real broker on demand, so this case is scripted.
    const controller = new AbortController();
    const error = await retrying(
      async () => {
        controller.abort();
        throw retriable(true);
      },
      policy({ signal: controller.signal }),
    ).catch((e) => e);
    expect((error as WriteAbortedError).mayBeDelivered).toBe(true);
  });

  it('reports a deadline as a timeout', async () => {
    const error = await retrying(
      async () => {
        throw retriable();
      },
      policy({
        signal: AbortSignal.timeout(20),
        maxAttempts: 1000,
        writeBackoffMinMs: 5,
        writeBackoffMaxMs: 5,
      }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(WriteAbortedError);
    expect((error as WriteAbortedError).reason).toBe('timeout');
  });

  it('never says "may be delivered" for operations that send no data', async () => {
    const controller = new AbortController();
    const pending = retrying(
      () => new Promise<never>(() => {}),
      policy({ signal: controller.signal, sendsData: false }),
    );
    controller.abort();
    const error = await pending.catch((e) => e);
    expect((error as WriteAbortedError).mayBeDelivered).toBe(false);
  });
});

describe('toTransportError (kafkajs error classification)', () => {
  it.each([
    // Kafka also sends these after appending (DelayedProduce, acks=all); without the acks, in doubt.
    [{ name: 'KafkaJSProtocolError', type: 'NOT_LEADER_OR_FOLLOWER', retriable: true }, 'retriable', true],
    [{ name: 'KafkaJSProtocolError', type: 'NOT_LEADER_FOR_PARTITION', retriable: false }, 'retriable', true],
    [
      { name: 'KafkaJSProtocolError', type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false },
      'retriable',
      false,
    ],
    [
      { name: 'KafkaJSProtocolError', type: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', retriable: true },
      'retriable',
      true,
    ],
    [{ name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false }, 'too-large', false],
    [
      { name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true },
      'unknown-topic',
      true,
    ],
    [{ name: 'KafkaJSProtocolError', type: 'NOT_ENOUGH_REPLICAS', retriable: true }, 'retriable', false],
    [{ name: 'KafkaJSSASLAuthenticationError', message: 'SASL failed' }, 'authentication', false],
    [{ name: 'KafkaJSConnectionClosedError', message: 'Closed connection' }, 'retriable', true],
    [{ name: 'KafkaJSConnectionError', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'retriable', false],
    [{ name: 'KafkaJSRequestTimeoutError', message: 'Request timed out' }, 'retriable', true],
    [{ name: 'KafkaJSProtocolError', type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false }, 'fatal', false],
  ])('%o -> %s (may have been written: %s)', (error, kind, maybeWritten) => {
    const failure = toTransportError(Object.assign(new Error(), error), true);
    expect(failure.kind).toBe(kind);
    expect(failure.maybeWritten).toBe(maybeWritten);
  });

  it('looks through kafkajs retry wrappers to the original error', () => {
    const original = Object.assign(new Error('x'), {
      name: 'KafkaJSProtocolError',
      type: 'MESSAGE_TOO_LARGE',
    });
    const wrapped = Object.assign(new Error('retries'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      originalError: original,
    });
    expect(toTransportError(wrapped, true).kind).toBe('too-large');
  });

  it("keeps the broker address of kafkajs' connection error, through a retry wrapper", () => {
    const original = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      name: 'KafkaJSConnectionError',
      broker: '127.0.0.1:1',
    });
    const wrapped = Object.assign(new Error('retries'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      originalError: original,
    });
    expect(toTransportError(wrapped, false).broker).toBe('127.0.0.1:1');
    expect(toTransportError(new Error('no broker'), false).broker).toBeUndefined();
  });
});
