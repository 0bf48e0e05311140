import type { MiddlewareObj } from '@middy/core';

/**
 * V8's `gc()` options (Lambda's runtime runs with `--expose-gc`). The `last-resort` flavor is the
 * collection V8 makes before it gives up on an allocation: full collections until nothing more is
 * freed, compacting, with the young generation shrunk back to its smallest and freed pages handed
 * back to the operating system at once.
 */
export interface GcOptions {
  type: 'major';
  execution: 'sync';
  flavor?: 'regular' | 'last-resort';
}

/** What the middleware reads; all default to the process's own. */
export interface MemoryReleaseOptions {
  /**
   * Heap in use plus Buffers, in bytes, above which an invocation is followed by a collection.
   * @default an eighth of the function's memory (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, 16 MiB at 128 MB;
   *   an idle runtime holds ~11 MiB); never without it
   */
  thresholdBytes?: number;
  /** @default globalThis.gc, which Lambda's Node.js runtime exposes (`--expose-gc`) */
  gc?: (options: GcOptions) => void;
  /** @default process.memoryUsage */
  memoryUsage?: () => Pick<NodeJS.MemoryUsage, 'heapUsed' | 'arrayBuffers'>;
  /**
   * Runs the collection once the invocation's answer is on its way.
   * @default two turns of the event loop later (see collectAfterTheAnswer)
   */
  schedule?: (collect: () => void) => void;
}

const RELEASE: GcOptions = { type: 'major', execution: 'sync', flavor: 'last-resort' };

/**
 * A middy middleware that, after an invocation that left much garbage (a full SQS batch, a body
 * near 6 MB), collects it once the answer has gone back to Lambda, and gives the memory back.
 *
 * Why after the answer: while the handler runs, the runtime still holds the event (10,000 parsed
 * records are ~10 MiB); once it has posted the answer, the event is garbage too, and the next
 * event is parsed into a heap that no longer holds the last one.
 *
 * Why `last-resort`: a plain `gc()` frees the objects but V8 keeps the pages they were on, and it
 * keeps its young generation at the size the burst grew it to (16 MiB at 128 MB): resident memory
 * stayed at the invocation's high-water mark, ~105 MiB after every 10,000-record batch, and the next
 * batch's event (its JSON text in ric's native client, then as a string, then parsed) came on top
 * of it: 131 MiB. The `last-resort` collection compacts and returns those pages: the runtime is back
 * to ~64 MiB between invocations and a 10,000-record batch peaks at ~109 MiB with this change
 * alone (bench/README.md#memory).
 * It costs two full marks of what is live (~7 MiB between invocations), run while the runtime
 * waits for the next event rather than before the answer, and the young generation grows again in
 * the next large invocation.
 *
 * Small invocations stay under the threshold until their garbage adds up to it, so a run of them
 * pays one collection now and then instead of one each.
 */
export function releaseMemoryAfterLargeInvocations(options: MemoryReleaseOptions = {}): MiddlewareObj {
  const memoryMb = Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  const thresholdBytes =
    options.thresholdBytes ?? (memoryMb > 0 ? (memoryMb * 2 ** 20) / 8 : Number.POSITIVE_INFINITY);
  const gc = options.gc ?? (globalThis as { gc?: (options: GcOptions) => void }).gc;
  const memoryUsage = options.memoryUsage ?? (() => process.memoryUsage());
  const schedule = options.schedule ?? collectAfterTheAnswer;
  const release = async (): Promise<void> => {
    if (!gc) return;
    const { heapUsed, arrayBuffers } = memoryUsage();
    if (heapUsed + arrayBuffers > thresholdBytes) schedule(() => gc(RELEASE));
  };
  return { after: release, onError: release };
}

/**
 * Runs `collect` after the runtime has posted the invocation's answer. Lambda's runtime client
 * (aws-lambda-ric) posts it from a `setImmediate` queued when the handler's promise settles, after
 * this middleware ran; a `setImmediate` queued from inside an immediate runs in the loop's next
 * turn, so the collection follows the answer and the request for the next event, with nothing
 * for the loop to wait on in between (a timer could leave the loop polling for it, and a thawed
 * sandbox would then handle the next event first). If the sandbox is frozen during the collection,
 * it finishes on thaw before the next event is parsed, on the same thread.
 */
export function collectAfterTheAnswer(collect: () => void): void {
  setImmediate(() => setImmediate(collect));
}

/** What `collectBuffersAbove` reads; both default to the process's own. */
export interface BufferCollectionOptions {
  /** @default globalThis.gc, which Lambda's Node.js runtime exposes (`--expose-gc`) */
  gc?: (options: GcOptions) => void;
  /** @default process.memoryUsage */
  memoryUsage?: () => Pick<NodeJS.MemoryUsage, 'arrayBuffers'>;
}

const COLLECT: GcOptions = { type: 'major', execution: 'sync' };

/**
 * A check for a loop of large reads (the scheduled S3 source's ranged GETs) to call between its
 * batches: a full collection when the process's Buffers hold more than `limitBytes`.
 *
 * Why: V8 frees a Buffer's memory only when a collection finds its small JavaScript object dead.
 * A read that lives while its lines are written survives a few young collections and moves to
 * the old generation, where only a full collection frees it, and V8 starts one for external
 * memory only once that has grown by ~64 MiB since the last. An S3 object of short lines held
 * 55-69 MiB of dead reads that way (bench/README.md#memory). The caller picks a limit above what
 * it keeps alive where it calls (for the S3 source, one batch of at most one read), so a
 * collection runs only when there is garbage to free. A no-op where `gc` is not exposed (a plain `node`, tests).
 */
export function collectBuffersAbove(limitBytes: number, options: BufferCollectionOptions = {}): () => void {
  const gc = options.gc ?? (globalThis as { gc?: (options: GcOptions) => void }).gc;
  const memoryUsage = options.memoryUsage ?? (() => process.memoryUsage());
  return () => {
    if (gc && memoryUsage().arrayBuffers > limitBytes) gc(COLLECT);
  };
}
