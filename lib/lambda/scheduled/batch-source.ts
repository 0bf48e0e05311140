import type { Message } from '../../writer/message.ts';

/**
 * Messages a source hands the scheduled handler in one Writer call, with the way to record that
 * Kafka took them.
 */
export interface SourceBatch {
  /**
   * The batch's messages. A source may empty this array once the batch is committed in full
   * or rejected, so that what it read can be freed while it reads on: read them before that.
   */
  readonly messages: readonly Message[];
  /**
   * Records that Kafka acknowledged the first `count` messages (all of them by default). Called
   * only after the acknowledgement, so a source that saves progress here never skips a message;
   * a partial count comes after a write that delivered only a leading part of the batch.
   */
  commit(count?: number): Promise<void>;
  /**
   * Optional: message `index` can never be written (bigger than Kafka accepts); the messages
   * before it were acknowledged and committed. A source that supports it records the failure
   * where an operator sees it and moves on; without it, such a batch fails the run.
   */
  reject?(index: number, error: Error): Promise<void>;
}

/** What a run of a source did, for the handler's summary. */
export interface SourceReport {
  /** Units of work finished for good in this run (S3: objects marked done). */
  objectsDone: number;
  /** Units given up on and marked for an operator (S3: objects marked failed). */
  objectsFailed: number;
  /** Where this run continued earlier work, e.g. `s3://bucket/key#L501`; absent for a fresh start. */
  resumedFrom?: string;
}

/** What a source is told about the invocation it runs in. */
export interface BatchRun {
  /** Epoch ms at which the invocation ends (Lambda stops it there at the latest). */
  readonly deadlineMs: number;
}

/**
 * A pluggable batch source for scheduled publishing. `batches` yields one batch at a time and
 * is resumed only after the handler wrote that batch and called its `commit`.
 *
 * `signal` aborts when the invocation's time is nearly used: a resumable source ends its
 * iteration soon after (returning, or throwing an abort error from a read it gave the signal),
 * having saved nothing it was not told to commit, and continues from its last commit next time.
 *
 * @example
 * const source: BatchSource = {
 *   resumable: false,
 *   async *batches() {
 *     yield { messages: [{ value: 'tick' }], commit: async () => {} };
 *   },
 * };
 * export const handler = createScheduledHandler({ source });
 */
export interface BatchSource {
  /**
   * Whether a run cut short continues where it stopped. A source that cannot (the input source)
   * is never stopped early for time: it is written to the end or the invocation fails.
   */
  readonly resumable: boolean;
  batches(signal: AbortSignal, run?: BatchRun): AsyncIterable<SourceBatch>;
  /** What the run did so far; read after the iteration ends. */
  report?(): SourceReport;
}
