import type { Message } from './message.ts';

/** Base of every error the Writer raises; `retriable` says whether trying again may succeed. */
export class WriterError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** The Writer's options are invalid; raised by the constructor. */
export class WriterConfigError extends WriterError {}

/** A write or flush on a Writer that was closed. */
export class WriterClosedError extends WriterError {
  constructor() {
    super('writer is closed: create a new Writer to write again');
  }
}

/** Both the Writer and a message name a topic (kafka-go: they are mutually exclusive). */
export class TopicConflictError extends WriterError {
  constructor(readonly index: number) {
    super(
      `message ${index} sets a topic but the Writer already has one; set the topic on the Writer or on every message, not both`,
    );
  }
}

/** Neither the Writer nor a message names a topic. */
export class MissingTopicError extends WriterError {
  constructor(readonly index: number) {
    super(`message ${index} has no topic and the Writer has none; set one or the other`);
  }
}

/** A message is invalid (e.g. a value of the wrong type); nothing of the call was written. */
export class InvalidMessageError extends WriterError {
  constructor(
    readonly index: number,
    reason: string,
  ) {
    super(`message ${index} is invalid: ${reason}`);
  }
}

/**
 * A message is bigger than `batchBytes`; nothing of the call was written. Like kafka-go's
 * MessageTooLargeError it carries the message and the ones after it, so a caller can drop or
 * split the big one and write the rest.
 */
export class MessageTooLargeError extends WriterError {
  constructor(
    /** The message that is too large (kafka-go's `Message` field; `message` is Error's text). */
    readonly tooLarge: Message,
    /** The messages after it in the call, none of which was written either. */
    readonly remaining: Message[],
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(`message of ${sizeBytes} bytes is larger than batchBytes (${limitBytes}); nothing was written`);
  }
}

/** The topic does not exist and `allowAutoTopicCreation` is off. */
export class UnknownTopicError extends WriterError {
  constructor(readonly topic: string) {
    super(`topic "${topic}" does not exist and allowAutoTopicCreation is off`);
  }
}

/** The broker rejected the client's credentials; retrying with the same ones cannot succeed. */
export class AuthenticationError extends WriterError {}

/**
 * A broker or network failure, after the Writer's own retries (see `attempts`). `mayBeDelivered`
 * says what happened to the messages: `false` means no attempt can have written them; `true`
 * means one may have (a request was sent and its answer was lost, or came after the append), so
 * a caller that retries may duplicate them.
 */
export class BrokerError extends WriterError {
  readonly mayBeDelivered: boolean;

  constructor(
    message: string,
    readonly code: string,
    readonly attempts: number,
    options: { retriable: boolean; cause?: unknown; mayBeDelivered?: boolean },
  ) {
    super(message, options);
    this.mayBeDelivered = options.mayBeDelivered ?? false;
  }
}

/**
 * A call was cancelled by its AbortSignal or ran out of time before its messages were
 * acknowledged. `mayBeDelivered` says plainly what happened to the messages: `false` means they
 * were never sent and never will be; `true` means a request was in flight, so they may still land.
 */
export class WriteAbortedError extends WriterError {
  constructor(
    readonly reason: 'aborted' | 'timeout',
    readonly mayBeDelivered: boolean,
    cause?: unknown,
  ) {
    super(
      `write ${reason === 'timeout' ? 'timed out' : 'was aborted'}; ${
        mayBeDelivered
          ? 'its request was in flight, so the message may still be delivered'
          : 'the message was not sent and will not be'
      }`,
      { retriable: true, cause },
    );
  }
}

/** Where an acknowledged message landed (the same shape as the Writer's RecordMetadata). */
export interface LandedRecord {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Some messages of a call failed. `errors` is index-aligned with the call's messages: `undefined`
 * where that message was acknowledged, the error where it was not (kafka-go's WriteErrors).
 * `records` is aligned the same way and tells where the acknowledged ones landed.
 */
export class WriteErrors extends WriterError {
  constructor(
    readonly errors: ReadonlyArray<Error | undefined>,
    readonly records: ReadonlyArray<LandedRecord | undefined> = errors.map(() => undefined),
  ) {
    const failed = errors.filter((e) => e !== undefined);
    const first = failed[0];
    super(`${failed.length} of ${errors.length} messages failed${first ? `: ${first.message}` : ''}`, {
      retriable: failed.every((e) => (e as WriterError).retriable === true),
      cause: first,
    });
  }

  /** How many messages failed. */
  get count(): number {
    return this.errors.filter((e) => e !== undefined).length;
  }
}

/** flush() or close() ended before every buffered message settled. */
export class FlushTimeoutError extends WriterError {
  constructor(readonly pendingMessages: number) {
    super(`flush ended with ${pendingMessages} messages still unacknowledged`, { retriable: true });
  }
}

/** A buffered (async) message that failed, as reported by flush() and close(). */
export interface FailedMessage {
  message: Message;
  error: Error;
}

/** Some async messages queued before a flush() failed; each is listed with its error. */
export class FlushError extends WriterError {
  constructor(readonly failures: ReadonlyArray<FailedMessage>) {
    super(`${failures.length} buffered messages failed: ${failures[0]?.error.message ?? ''}`, {
      retriable: failures.every((f) => (f.error as WriterError).retriable === true),
      cause: failures[0]?.error,
    });
  }
}
