import { backoffMs, sleep } from './backoff.ts';
import { AuthenticationError, BrokerError, WriteAbortedError, WriterError } from './errors.ts';
import { TransportError } from './transport.ts';

/** The retry budget of one operation. */
export interface RetryPolicy {
  maxAttempts: number;
  writeBackoffMinMs: number;
  writeBackoffMaxMs: number;
  /** Ends the attempts: the caller's AbortSignal, its deadline, or the Writer closing. */
  signal: AbortSignal | undefined;
  /** False for metadata and topic operations: an abort then never means "may be delivered". */
  sendsData: boolean;
  /** Told before each retry (stats, logs). */
  onRetry?: (error: TransportError, attempt: number, delayMs: number) => void;
}

/** Thrown by `raceAbort` when the signal fires while the operation is still running. */
class AbortedInFlight extends Error {}

/**
 * Runs `operation` until it succeeds, fails for good, runs out of attempts or is aborted.
 * Every failure comes out as a WriterError; a WriteAbortedError says whether a request that
 * might have been written was in flight (`mayBeDelivered`), so the caller knows what it may
 * safely retry.
 */
export async function retrying<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  let mayBeDelivered = false;
  for (let attempt = 1; ; attempt++) {
    if (policy.signal?.aborted) throw abortedError(policy.signal, mayBeDelivered);
    try {
      return await raceAbort(operation(attempt), policy.signal);
    } catch (error) {
      if (error instanceof AbortedInFlight) throw abortedError(policy.signal, policy.sendsData);
      if (error instanceof WriterError) throw error;
      const failure = asTransportError(error);
      mayBeDelivered ||= policy.sendsData && failure.maybeWritten;
      if (!failure.retriable && failure.kind !== 'unknown-topic') {
        throw toWriterError(failure, attempt, mayBeDelivered);
      }
      if (attempt >= policy.maxAttempts) throw toWriterError(failure, attempt, mayBeDelivered);
      const delayMs = backoffMs(attempt, policy.writeBackoffMinMs, policy.writeBackoffMaxMs);
      policy.onRetry?.(failure, attempt, delayMs);
      try {
        await sleep(delayMs, policy.signal);
      } catch {
        throw abortedError(policy.signal, mayBeDelivered);
      }
    }
  }
}

/**
 * Settles with the operation, or rejects at once when the signal fires. The operation itself
 * goes on (a produce request cannot be recalled); its late outcome is ignored.
 */
function raceAbort<T>(operation: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return operation;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedInFlight());
    signal.addEventListener('abort', onAbort, { once: true });
    operation.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The error for a call ended by its signal: a deadline reads as 'timeout'. */
export function abortedError(signal: AbortSignal | undefined, mayBeDelivered: boolean): WriteAbortedError {
  const reason = signal?.reason as { name?: string } | undefined;
  const kind = reason?.name === 'TimeoutError' ? 'timeout' : 'aborted';
  return new WriteAbortedError(kind, mayBeDelivered, signal?.reason);
}

function asTransportError(error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TransportError(message, 'fatal', 'UNEXPECTED', true, { cause: error });
}

function toWriterError(failure: TransportError, attempts: number, mayBeDelivered: boolean): WriterError {
  if (failure.kind === 'authentication') {
    return new AuthenticationError(`authentication failed: ${failure.message}`, { cause: failure });
  }
  const tried = attempts > 1 ? ` after ${attempts} attempts` : '';
  const text =
    failure.kind === 'too-large'
      ? `the broker rejected the batch as too large (check the topic's max.message.bytes)${tried}: ${failure.message}`
      : `${failure.code}${tried}: ${failure.message}`;
  return new BrokerError(text, failure.code, attempts, {
    retriable: failure.retriable || failure.kind === 'unknown-topic',
    cause: failure,
    mayBeDelivered,
  });
}
