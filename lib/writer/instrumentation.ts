/**
 * The Writer's tracing hook. The Writer encodes its Produce requests itself, so instrumentation
 * that wraps kafkajs' producer never sees them; this hook is how a tracer (the OpenTelemetry
 * adapter in lib/tracing, or a user's own) learns about each write. The Writer imports no tracing
 * library: without an instrumentation it does no extra work and allocates nothing for it.
 */

/** One message of a call, as it will be written: topic decided, key, value and headers as bytes. */
export interface InstrumentedMessage {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | Buffer[]>> | undefined;
}

/** What the Writer tells an instrumentation when a writeMessages call starts (after validation). */
export interface WriteStart {
  /** The Writer's mode: in async mode the call returns once its messages are buffered. */
  readonly async: boolean;
  readonly clientId: string;
  /** The Writer's bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** The call's messages, index-aligned with the caller's array. */
  readonly messages: readonly InstrumentedMessage[];
}

/**
 * Some of a call's messages, settled by one produce request: acknowledged (`offsets`) or failed
 * for good (`error`). A call sees one of these per request its messages went into; a batch the
 * broker refused as too large and the Writer split is reported once per part.
 */
export interface SettledBatch {
  readonly topic: string;
  readonly partition: number;
  /** Positions in the call of this call's messages in the request, in request order. */
  readonly indices: readonly number[];
  /** Their offsets, aligned with `indices` (`'-1'` with acks=None); undefined when the request failed. */
  readonly offsets: readonly string[] | undefined;
  /**
   * Why the request failed, after the Writer's retries. A BrokerError or WriteAbortedError says in
   * `mayBeDelivered` whether the messages may still have been appended.
   */
  readonly error: Error | undefined;
  /** Messages in the whole request, other calls' included (async mode batches several calls). */
  readonly requestMessageCount: number;
}

/** Follows one writeMessages call; returned by WriterInstrumentation.startWrite. */
export interface WriteObserver {
  /**
   * Headers to add to message i as it is written (e.g. `traceparent`). A header the message
   * already has is never replaced, nor added when it would take the message past `batchBytes`.
   * The caller's Message objects are not changed (completion callbacks see them as given).
   */
  readonly headers?: ReadonlyArray<Readonly<Record<string, string>> | undefined>;
  /** Some of the call's messages settled (see SettledBatch). Sync and async mode alike. */
  batchSettled(batch: SettledBatch): void;
  /**
   * writeMessages returned (`error` undefined) or threw. Sync mode: every message has settled.
   * Async mode: the messages are buffered and settle later through batchSettled; when the call
   * threw, none of them was buffered.
   */
  writeReturned(error: Error | undefined): void;
}

/**
 * Passed as `WriterOptions.instrumentation`. Called synchronously inside writeMessages, so the
 * caller's active context (e.g. an OpenTelemetry span) is still current. Must not throw: an error
 * it throws is logged and the write goes on untraced.
 */
export interface WriterInstrumentation {
  /** A call passed validation; return an observer for it, or undefined to leave it untraced. */
  startWrite(start: WriteStart): WriteObserver | undefined;
}
