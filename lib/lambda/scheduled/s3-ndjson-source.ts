import { defaultLeaseKey } from '../../config/schedule-config.ts';
import { SchemaValidationError } from '../../schema/value-serializer.ts';
import type { WriterLogger } from '../../writer/connection-options.ts';
import type { Message } from '../../writer/message.ts';
import { type ListedObject, type S3Api, sdkS3Api } from '../s3-api.ts';
import { fieldText } from '../schema-failures.ts';
import type { BatchRun, BatchSource, SourceBatch, SourceReport } from './batch-source.ts';
import { ConcurrentRunError, ObjectChangedError, S3SourceError } from './errors.ts';
import { keyAtSource } from './message-key.ts';
import { type LinePosition, LineSplitter, parseLine } from './ndjson-lines.ts';
import {
  foreignTags,
  formatPosition,
  MAX_OBJECT_TAGS,
  ObjectStatus,
  PROGRESS_TAGS,
  progressTagSet,
  readProgress,
  type S3Tag,
} from './object-progress.ts';
import { RunLease } from './run-lease.ts';

/** What the NDJSON source logs through (Powertools' Logger via `writerLoggerFrom` fits). */
export type SourceLogger = Pick<WriterLogger, 'info' | 'warn' | 'error'>;

/** Options of the S3 NDJSON source; the handler fills them from `SCHEDULE_*` and `KAFKA_TOPIC`. */
export interface S3NdjsonSourceOptions {
  bucket: string;
  /** Key prefix, matched as S3 matches it; '' = the whole bucket. */
  prefix: string;
  /** The run lease's object key; never read as data. @default defaultLeaseKey(prefix) */
  leaseKey?: string;
  /** Topic every line is written to. */
  topic: string;
  /** Pointer into each line's JSON for the key; no key without it. */
  keyPointer?: { pointer: string; tokens: readonly string[] } | undefined;
  /** Lines per batch, and so per saved position. */
  batchSize: number;
  /**
   * Most bytes of lines per batch: a batch ends at `batchSize` lines or at this many bytes,
   * whichever comes first. A line is a view into the read that held it, so a batch keeps its
   * reads alive until it is acknowledged: 500 lines of 1 MB held ~480 MiB. @default no limit
   */
  batchBytes?: number;
  /** Most objects started per run. @default no limit */
  maxObjects?: number;
  /** Bytes per ranged GET. */
  chunkBytes: number;
  /** Longest accepted line. */
  maxLineBytes: number;
  /**
   * Called before each ranged GET, before each batch is handed over and after it is
   * acknowledged: where at most the pending lines (a batch), what is left of the current read
   * and the request just written are alive, and the pieces the lines were cut from and earlier
   * requests are dead. The handler collects those there (collectBuffersAbove), which V8 would
   * free late: each is megabytes outside its heap behind a small object. @default nothing
   */
  releaseBuffers?: () => void;
  /** @default the AWS SDK's S3 client, loaded on first use */
  s3?: S3Api;
  logger?: SourceLogger;
  /** @default Date.now */
  now?: () => number;
}

/** Tag lookups run this many at a time while scanning a listing for work. */
const TAG_LOOKAHEAD = 16;
/** The bridge writes at most this many tags of its own (status, position, error). */
const OWN_TAGS = 3;
/** The lease's expiry when the caller names no deadline: Lambda's longest timeout. */
const DEFAULT_RUN_MS = 15 * 60 * 1000;

/** Per-object state of a run. */
interface ObjectRun {
  object: ListedObject;
  uri: string;
  /** The position tag as this run last saw or wrote it: the concurrent-run check. */
  positionTag: string | undefined;
  /** Set once the object is done, failed or rejected: the run moves to the next object. */
  ended: boolean;
}

/** A line waiting to be written, with the positions around it. */
interface PendingLine {
  message: Message;
  number: number;
  before: LinePosition;
  after: LinePosition;
}

/**
 * NDJSON objects under an S3 prefix -> one message per non-blank line (value: the line's bytes
 * as they are; key: `keyPointer` into its JSON source, numbers as written; headers
 * `ndjson-source` = `s3://bucket/key` and `ndjson-line` = its line number, so a consumer can
 * trace, and deduplicate, every record).
 *
 * Objects are taken in key order. Each is read with ranged GETs of `chunkBytes` from its saved
 * position, conditional on the ETag the run started with, so memory stays bounded whatever the
 * object's size and a replaced object is never read half old, half new. Progress is saved as
 * tags on the object (see object-progress.ts for why) after every acknowledged batch; the object
 * is tagged `done` only once its last line is acknowledged. A line that is not UTF-8 JSON (or is
 * longer than `maxLineBytes`) tags the object `failed` with the line number, after the lines
 * before it were published; later runs skip it until an operator deletes the status tag (to
 * retry from that line), re-uploads the object (read from its first line again), or tags it done.
 *
 * Runs take turns: a run first takes the source's lease (run-lease.ts: an object at `leaseKey`
 * changed only by S3 conditional writes, so of two overlapping runs exactly one gets it) until
 * the end of its invocation, and gives it back when it ends. A run that finds the lease held
 * publishes nothing and returns. With the lease, overlapping invocations (a Scheduler run while
 * an asynchronous retry of the previous one is still going, a manual invoke) never publish the
 * same lines; the CDK construct also gives the function a reserved concurrency of 1. Should the
 * lease ever be lost (an expiry that was too short), a run that notices another one's progress
 * on its object stops with ConcurrentRunError.
 *
 * Delivery is at-least-once: a batch acknowledged by Kafka whose position could not be saved
 * (S3 failure, Lambda timeout between the two) is written again by the next run.
 */
export class S3NdjsonSource implements BatchSource {
  readonly resumable = true;
  private readonly s3: S3Api;
  private readonly leaseKey: string;
  private readonly now: () => number;
  private done = 0;
  private failed = 0;
  private resumedFrom: string | undefined;

  constructor(private readonly options: S3NdjsonSourceOptions) {
    this.s3 = options.s3 ?? sdkS3Api();
    this.leaseKey = options.leaseKey ?? defaultLeaseKey(options.prefix);
    this.now = options.now ?? Date.now;
  }

  /** Objects done and failed in this run, and where it resumed earlier work. */
  report(): SourceReport {
    return {
      objectsDone: this.done,
      objectsFailed: this.failed,
      ...(this.resumedFrom === undefined ? {} : { resumedFrom: this.resumedFrom }),
    };
  }

  async *batches(signal: AbortSignal, run?: BatchRun): AsyncGenerator<SourceBatch> {
    const { bucket, logger } = this.options;
    const leaseUri = `s3://${bucket}/${this.leaseKey}`;
    const lease = new RunLease({ s3: this.s3, bucket, key: this.leaseKey, now: this.now });
    const deadlineMs = run?.deadlineMs ?? this.now() + DEFAULT_RUN_MS;
    const taken = await this.call(`taking the run lease ${leaseUri}`, signal, () =>
      lease.acquire(deadlineMs, signal),
    );
    if (taken !== true) {
      logger?.warn('another run holds the lease of this source; this run publishes nothing', {
        lease: leaseUri,
        holder: taken.holder,
        expiresAt: taken.expiresAt,
      });
      return;
    }
    try {
      yield* this.publishAll(signal);
    } finally {
      // Not given back (S3 failing), the lease frees itself when this invocation's time is up.
      const released = await lease.release().catch((error: unknown) => {
        logger?.warn('the run lease could not be given back; it expires at the end of this invocation', {
          lease: leaseUri,
          error: error instanceof Error ? error.message : String(error),
        });
        return true;
      });
      if (!released) {
        logger?.error('the run lease was taken over before this run ended: its expiry was too short', {
          lease: leaseUri,
        });
      }
    }
  }

  private async *publishAll(signal: AbortSignal): AsyncGenerator<SourceBatch> {
    const { bucket, prefix } = this.options;
    const maxObjects = this.options.maxObjects ?? Number.POSITIVE_INFINITY;
    let started = 0;
    let token: string | undefined;
    do {
      if (signal.aborted) return;
      const page = await this.call(`listing s3://${bucket}/${prefix}`, signal, () =>
        this.s3.listObjects(bucket, prefix, token, signal),
      );
      token = page.next;
      // Keys ending in / are the console's folder placeholders, never data; nor is the lease.
      const objects = page.objects.filter((o) => !o.key.endsWith('/') && o.key !== this.leaseKey);
      for (let i = 0; i < objects.length; i += TAG_LOOKAHEAD) {
        if (signal.aborted) return;
        const slice = objects.slice(i, i + TAG_LOOKAHEAD);
        const tagSets = await Promise.all(slice.map((o) => this.tagsOf(o, signal)));
        for (const [j, object] of slice.entries()) {
          if (signal.aborted) return;
          if (!this.needsWork(object, tagSets[j] ?? [])) continue;
          if (started >= maxObjects) return;
          started++;
          yield* this.publishObject(object, signal);
        }
      }
    } while (token !== undefined);
  }

  /** Whether an object's tags (as scanned) leave work to do; logs why it is skipped otherwise. */
  private needsWork(object: ListedObject, tags: readonly S3Tag[]): boolean {
    const progress = readProgress(tags, object.etag);
    const uri = this.uriOf(object);
    if (progress.state === 'done') return false;
    if (progress.state === 'failed') {
      this.options.logger?.warn('skipping an object marked failed until an operator clears the mark', {
        object: uri,
        error: progress.error,
        clear: `delete the ${PROGRESS_TAGS.status} tag to retry from the failed line`,
      });
      return false;
    }
    if (progress.state === 'unreadable') {
      this.options.logger?.error('skipping an object whose progress tags cannot be read', {
        object: uri,
        detail: progress.detail,
      });
      return false;
    }
    return true;
  }

  private async *publishObject(object: ListedObject, signal: AbortSignal): AsyncGenerator<SourceBatch> {
    const { logger, maxLineBytes, batchSize } = this.options;
    const batchBytes = this.options.batchBytes ?? Number.POSITIVE_INFINITY;
    const uri = this.uriOf(object);
    // Read again: the scan may be minutes old when a run gets to this object.
    const tags = await this.tagsOf(object, signal);
    const progress = readProgress(tags, object.etag);
    if (progress.state !== 'new' && progress.state !== 'in-progress') return;
    if (foreignTags(tags).length > MAX_OBJECT_TAGS - OWN_TAGS) {
      logger?.error('skipping an object: it has too many tags of its own to hold the progress', {
        object: uri,
        tags: foreignTags(tags).length,
        limit: MAX_OBJECT_TAGS - OWN_TAGS,
      });
      return;
    }
    const run: ObjectRun = {
      object,
      uri,
      positionTag: tags.find((t) => t.Key === PROGRESS_TAGS.position)?.Value,
      ended: false,
    };
    let consumed: LinePosition = { offset: 0, line: 0 };
    if (progress.state === 'in-progress') {
      consumed = { offset: progress.position.offset, line: progress.position.line };
      if (consumed.offset > object.size) {
        logger?.error('skipping an object whose saved position is past its end', {
          object: uri,
          position: run.positionTag,
          size: object.size,
        });
        return;
      }
      this.resumedFrom ??= `${uri}#L${consumed.line + 1}`;
      logger?.info('resuming an object', { object: uri, line: consumed.line + 1, offset: consumed.offset });
    } else if (progress.stale) {
      logger?.warn('the object changed since its progress was saved; reading it from the start', {
        object: uri,
        position: run.positionTag,
      });
    }

    const splitter = new LineSplitter(consumed, maxLineBytes);
    let pending: PendingLine[] = [];
    let pendingBytes = 0;
    let readOffset = consumed.offset;
    try {
      while (readOffset < object.size) {
        if (signal.aborted) return;
        const endInclusive = Math.min(object.size, readOffset + this.options.chunkBytes) - 1;
        const from = readOffset;
        this.options.releaseBuffers?.();
        const body = await this.call(`reading ${uri}`, signal, () =>
          this.s3.getRange(this.options.bucket, object.key, object.etag, from, endInclusive, signal),
        );
        const pieces = body[Symbol.asyncIterator]();
        try {
          while (true) {
            const piece = await this.nextPiece(pieces, run, from, readOffset, signal);
            if (piece === undefined) break;
            readOffset += piece.length;
            const atEnd = readOffset >= object.size;
            const lines = splitter.push(piece);
            const last = atEnd ? splitter.end() : undefined;
            if (last) lines.push(last);
            for (const [index, line] of lines.entries()) {
              const parsed = parseLine(line, maxLineBytes);
              const before = consumed;
              if (parsed.kind === 'malformed') {
                if (pending.length > 0) {
                  yield* this.handOver(run, pending, before, false);
                  pending = [];
                  pendingBytes = 0;
                  if (run.ended) return;
                }
                await this.markFailed(run, before, parsed.reason);
                return;
              }
              consumed = { offset: line.end, line: line.number };
              if (parsed.kind === 'blank') continue;
              pending.push({
                message: this.messageOf(run, parsed, line.number),
                number: line.number,
                before,
                after: consumed,
              });
              pendingBytes += consumed.offset - before.offset;
              const full = pending.length >= batchSize || pendingBytes >= batchBytes;
              // The object's last line goes with the final batch, whose commit also marks it done.
              if (full && !(atEnd && index === lines.length - 1)) {
                yield* this.handOver(run, pending, consumed, false);
                pending = [];
                pendingBytes = 0;
                if (run.ended) return;
              }
            }
          }
        } finally {
          // Closes the response when the loop leaves early (a failed line, an abort, an error).
          await pieces.return?.();
        }
        if (readOffset === from)
          throw new S3SourceError(`reading ${uri} at byte ${from} returned nothing`, undefined);
      }
      if (pending.length > 0) {
        yield* this.handOver(run, pending, consumed, true);
      } else {
        await this.save(run, ObjectStatus.Done, consumed);
        this.markedDone(run, consumed);
      }
    } catch (error) {
      if (!(error instanceof ObjectChangedError)) throw error;
      // What was published came from the old content and is kept; the new content has a new
      // ETag, so the next run reads it from its start.
      logger?.warn('the object changed while it was read; the next run reads the new content', {
        object: uri,
      });
    }
  }

  /**
   * The next piece of a ranged GET's body, or undefined at its end. The body is read while its
   * lines are written, so a response may break off (S3 closing a connection that waited on
   * Kafka); once part of it arrived, the range just ends there and the next GET reads on from the
   * byte after the last one read. A GET that breaks off before its first byte fails the run.
   */
  private async nextPiece(
    pieces: AsyncIterator<Buffer>,
    run: ObjectRun,
    from: number,
    readOffset: number,
    signal: AbortSignal,
  ): Promise<Buffer | undefined> {
    try {
      const next = await pieces.next();
      return next.done ? undefined : next.value;
    } catch (error) {
      if (signal.aborted || error instanceof ObjectChangedError) throw error;
      if (readOffset === from) throw new S3SourceError(`reading ${run.uri} failed`, error);
      this.options.logger?.warn('an S3 read broke off; reading on from where it stopped', {
        object: run.uri,
        offset: readOffset,
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  }

  /**
   * Yields a batch, with `releaseBuffers` before it (the lines cut from the read's pieces are now
   * all that is alive of them) and after its acknowledgement (its request is dead too).
   */
  private async *handOver(
    run: ObjectRun,
    pending: PendingLine[],
    end: LinePosition,
    final: boolean,
  ): AsyncGenerator<SourceBatch> {
    this.options.releaseBuffers?.();
    yield this.batchOf(run, pending, end, final);
    if (!run.ended) this.options.releaseBuffers?.();
  }

  private batchOf(run: ObjectRun, pending: PendingLine[], end: LinePosition, final: boolean): SourceBatch {
    const lines = [...pending];
    const messages = lines.map((l) => l.message);
    // Done with: the lines' values are freed even while something still holds the batch (the
    // handler's loop and this generator keep references to the last batch in V8's registers until
    // overwritten). Traced under bench:memory: without it two batches were alive where one was needed.
    const release = () => {
      lines.length = 0;
      messages.length = 0;
    };
    return {
      messages,
      commit: async (count = lines.length) => {
        if (count <= 0 || run.ended) return;
        if (count < lines.length) {
          await this.save(run, ObjectStatus.InProgress, (lines[count - 1] as PendingLine).after);
        } else if (final) {
          await this.save(run, ObjectStatus.Done, end);
          this.markedDone(run, end);
          release();
        } else {
          await this.save(run, ObjectStatus.InProgress, end);
          release();
        }
      },
      reject: async (index, error) => {
        const line = lines[index];
        if (!line || run.ended) return;
        release();
        await this.markFailed(
          run,
          line.before,
          error instanceof SchemaValidationError
            ? `line ${line.number} does not match the schema ${fieldText(error.field)}: ${error.message}`
            : `line ${line.number} cannot be written to Kafka: ${error.message}`,
        );
      },
    };
  }

  private messageOf(run: ObjectRun, parsed: { value: Buffer; text: string }, lineNumber: number): Message {
    const pointer = this.options.keyPointer;
    return {
      topic: this.options.topic,
      key: pointer ? keyAtSource(parsed.text, pointer.tokens) : null,
      value: parsed.value,
      headers: { 'ndjson-source': run.uri, 'ndjson-line': String(lineNumber) },
    };
  }

  private async markFailed(run: ObjectRun, at: LinePosition, reason: string): Promise<void> {
    await this.save(run, ObjectStatus.Failed, at, reason);
    run.ended = true;
    this.failed++;
    this.options.logger?.error(
      'NDJSON object marked failed: the lines before the bad one are published, the rest waits for an operator',
      {
        object: run.uri,
        line: at.line + 1,
        reason,
        clear: `fix the object, then delete its ${PROGRESS_TAGS.status} tag (retries from line ${at.line + 1}) or re-upload it (reads it from line 1)`,
      },
    );
  }

  private markedDone(run: ObjectRun, end: LinePosition): void {
    run.ended = true;
    this.done++;
    this.options.logger?.info('NDJSON object done: every line acknowledged', {
      object: run.uri,
      lines: end.line,
    });
  }

  /**
   * Writes the object's progress tags, keeping its other tags. Reads the tags first (S3 replaces
   * the whole set) and checks that the position is still the one this run saw last: if it moved,
   * another invocation is publishing the same object and this run stops.
   */
  private async save(run: ObjectRun, status: ObjectStatus, at: LinePosition, error?: string): Promise<void> {
    const { bucket } = this.options;
    const { key } = run.object;
    const current = await this.call(`reading the tags of ${run.uri}`, undefined, () =>
      this.s3.getTags(bucket, key),
    );
    const found = current.find((t) => t.Key === PROGRESS_TAGS.position)?.Value;
    if (found !== run.positionTag) throw new ConcurrentRunError(bucket, key, run.positionTag, found);
    const position = { ...at, etag: run.object.etag };
    const tags = progressTagSet(current, { status, position, ...(error === undefined ? {} : { error }) });
    if (tags.length > MAX_OBJECT_TAGS) {
      throw new S3SourceError(`${run.uri} has too many tags of its own to hold the progress`, undefined);
    }
    await this.call(`saving the progress of ${run.uri}`, undefined, () => this.s3.putTags(bucket, key, tags));
    run.positionTag = formatPosition(position);
  }

  private tagsOf(object: ListedObject, signal: AbortSignal): Promise<S3Tag[]> {
    const uri = this.uriOf(object);
    return this.call(`reading the tags of ${uri}`, signal, () =>
      this.s3.getTags(this.options.bucket, object.key, signal),
    );
  }

  /** Runs an S3 call; failures become S3SourceError, except aborts and the source's own errors. */
  private async call<T>(what: string, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (signal?.aborted || error instanceof ObjectChangedError || error instanceof S3SourceError)
        throw error;
      throw new S3SourceError(`${what} failed`, error);
    }
  }

  private uriOf(object: ListedObject): string {
    return `s3://${this.options.bucket}/${object.key}`;
  }
}
