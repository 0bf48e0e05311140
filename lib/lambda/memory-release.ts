import type { MiddlewareObj } from '@middy/core';

/** What the middleware reads; both default to the process's own. */
export interface MemoryReleaseOptions {
  /**
   * Heap in use plus Buffers, in bytes, above which an invocation ends with a full collection.
   * @default an eighth of the function's memory (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, 16 MiB at 128 MB;
   *   an idle runtime holds ~11 MiB); never without it
   */
  thresholdBytes?: number;
  /** @default globalThis.gc, which Lambda's Node.js runtime exposes (`--expose-gc`) */
  gc?: () => void;
  /** @default process.memoryUsage */
  memoryUsage?: () => Pick<NodeJS.MemoryUsage, 'heapUsed' | 'arrayBuffers'>;
}

/**
 * A middy middleware that collects garbage at the end of an invocation that left much of it:
 * a full SQS batch or a body near 6 MB leaves its event, messages and request behind as garbage.
 * V8 sizes its heap for the old space Lambda gives it (116 MB of a 128 MB function), not for the
 * memory the whole process may use, so it lets that garbage pile up over a few warm invocations
 * and the process's peak climbs past the function's memory (bench/memory.ts: a 6 MB webhook body
 * peaked at 130 MiB over 20 invocations at 128 MB when only invocations above a quarter of the
 * memory were collected, 112 MiB with an eighth).
 * Collecting once when the invocation is done costs a full mark of what is still live (the
 * garbage itself costs nothing to sweep away) and brings every invocation back to the same floor.
 * Small invocations stay under the threshold until their garbage adds up to it, so a run of them
 * pays one collection now and then instead of one each.
 */
export function releaseMemoryAfterLargeInvocations(options: MemoryReleaseOptions = {}): MiddlewareObj {
  const memoryMb = Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  const thresholdBytes =
    options.thresholdBytes ?? (memoryMb > 0 ? (memoryMb * 2 ** 20) / 8 : Number.POSITIVE_INFINITY);
  const gc = options.gc ?? (globalThis as { gc?: () => void }).gc;
  const memoryUsage = options.memoryUsage ?? (() => process.memoryUsage());
  const release = async (): Promise<void> => {
    if (!gc) return;
    const { heapUsed, arrayBuffers } = memoryUsage();
    if (heapUsed + arrayBuffers > thresholdBytes) gc();
  };
  return { after: release, onError: release };
}
