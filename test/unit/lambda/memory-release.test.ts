import type { MiddlewareObj } from '@middy/core';
import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  collectAfterTheAnswer,
  collectBuffersAbove,
  releaseMemoryAfterLargeInvocations,
} from '../../../lib/lambda/memory-release.ts';

const MiB = 2 ** 20;
/** Collects at once, so a test can count collections right after the invocation. */
const now = (collect: () => void) => collect();

/** A handler wrapped in the middleware alone. */
function wrapped(middleware: MiddlewareObj, handler: () => Promise<string>) {
  return middy(handler).use(middleware);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('releaseMemoryAfterLargeInvocations', () => {
  it('collects after an invocation that left more than the threshold in use', async () => {
    const gc = vi.fn();
    const middleware = releaseMemoryAfterLargeInvocations({
      thresholdBytes: 32 * MiB,
      gc,
      memoryUsage: () => ({ heapUsed: 30 * MiB, arrayBuffers: 3 * MiB }),
      schedule: now,
    });
    await expect(wrapped(middleware, async () => 'done')({}, {} as never)).resolves.toBe('done');
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it('leaves a small invocation alone', async () => {
    const gc = vi.fn();
    const middleware = releaseMemoryAfterLargeInvocations({
      thresholdBytes: 32 * MiB,
      gc,
      memoryUsage: () => ({ heapUsed: 20 * MiB, arrayBuffers: 1 * MiB }),
      schedule: now,
    });
    await wrapped(middleware, async () => 'done')({}, {} as never);
    expect(gc).not.toHaveBeenCalled();
  });

  it('collects after a failed invocation too, and the failure still reaches Lambda', async () => {
    const gc = vi.fn();
    const middleware = releaseMemoryAfterLargeInvocations({
      thresholdBytes: 1,
      gc,
      memoryUsage: () => ({ heapUsed: 2, arrayBuffers: 0 }),
      schedule: now,
    });
    const failing = wrapped(middleware, async () => {
      throw new Error('write failed');
    });
    await expect(failing({}, {} as never)).rejects.toThrow('write failed');
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it("takes an eighth of the function's memory as the threshold", async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', '128');
    const gc = vi.fn();
    let heapUsed = 16 * MiB;
    const middleware = releaseMemoryAfterLargeInvocations({
      gc,
      memoryUsage: () => ({ heapUsed, arrayBuffers: 0 }),
      schedule: now,
    });
    const handler = wrapped(middleware, async () => 'done');
    await handler({}, {} as never);
    expect(gc).not.toHaveBeenCalled();
    heapUsed = 16 * MiB + 1;
    await handler({}, {} as never);
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it('asks V8 for the collection that compacts and gives freed pages back', async () => {
    const gc = vi.fn();
    const middleware = releaseMemoryAfterLargeInvocations({
      thresholdBytes: 1,
      gc,
      memoryUsage: () => ({ heapUsed: 2, arrayBuffers: 0 }),
      schedule: now,
    });
    await wrapped(middleware, async () => 'done')({}, {} as never);
    expect(gc).toHaveBeenCalledWith({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  });

  it('collects only after the invocation has answered, once the event is garbage too', async () => {
    const gc = vi.fn();
    const middleware = releaseMemoryAfterLargeInvocations({
      thresholdBytes: 1,
      gc,
      memoryUsage: () => ({ heapUsed: 2, arrayBuffers: 0 }),
    });
    const events: string[] = [];
    gc.mockImplementation(() => events.push('collected'));
    const handler = wrapped(middleware, async () => 'done');
    // As Lambda's runtime client answers: from an immediate queued when the handler settles.
    await handler({}, {} as never).then(
      () => new Promise<void>((resolve) => setImmediate(() => resolve(void events.push('answered')))),
    );
    expect(events).toEqual(['answered']);
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    expect(events).toEqual(['answered', 'collected']);
  });

  it('schedules the collection two turns of the event loop later', async () => {
    const order: string[] = [];
    collectAfterTheAnswer(() => order.push('collected'));
    setImmediate(() => order.push('first turn'));
    await new Promise((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve))));
    expect(order).toEqual(['first turn', 'collected']);
  });

  it('does nothing where the runtime does not expose gc (plain Node, tests)', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', '128');
    const middleware = releaseMemoryAfterLargeInvocations({
      gc: undefined,
      thresholdBytes: 0,
      memoryUsage: () => ({ heapUsed: 64 * MiB, arrayBuffers: 0 }),
    });
    expect('gc' in globalThis).toBe(false);
    await expect(wrapped(middleware, async () => 'done')({}, {} as never)).resolves.toBe('done');
  });
});

describe('collectBuffersAbove', () => {
  it('runs a full collection only while Buffers hold more than the limit', () => {
    const gc = vi.fn();
    let arrayBuffers = 10 * MiB;
    const check = collectBuffersAbove(16 * MiB, { gc, memoryUsage: () => ({ arrayBuffers }) });
    check();
    expect(gc).not.toHaveBeenCalled();
    arrayBuffers = 17 * MiB;
    check();
    expect(gc).toHaveBeenCalledTimes(1);
    // A plain full collection: the last-resort kind is for between invocations (it compacts).
    expect(gc).toHaveBeenCalledWith({ type: 'major', execution: 'sync' });
    arrayBuffers = 16 * MiB;
    check();
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it('does nothing where gc is not exposed', () => {
    const memoryUsage = vi.fn(() => ({ arrayBuffers: 64 * MiB }));
    const original = (globalThis as { gc?: unknown }).gc;
    delete (globalThis as { gc?: unknown }).gc;
    try {
      expect(() => collectBuffersAbove(1, { memoryUsage })()).not.toThrow();
      expect(memoryUsage).not.toHaveBeenCalled();
    } finally {
      if (original !== undefined) (globalThis as { gc?: unknown }).gc = original;
    }
  });
});
