import { getEventListeners, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { queryObjects } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { callSignal } from '../../../lib/writer/call-signal.ts';

const listenersOn = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;
const liveSignals = () => queryObjects(AbortSignal, { format: 'count' }) as number;

describe('callSignal', () => {
  it('aborts with the reason of the source that aborted, and unhooks from every source', () => {
    const caller = new AbortController();
    const close = new AbortController();
    const { signal } = callSignal([caller.signal, close.signal], 300_000);

    close.abort(new Error('writer closed'));

    expect(signal?.aborted).toBe(true);
    expect(((signal as AbortSignal).reason as Error).message).toBe('writer closed');
    expect(listenersOn(caller.signal)).toBe(0);
    expect(listenersOn(close.signal)).toBe(0);
  });

  it('aborts with a TimeoutError at the deadline, as AbortSignal.timeout does', async () => {
    const close = new AbortController();
    const { signal } = callSignal([close.signal], 5);

    await once(signal as AbortSignal, 'abort');

    expect(((signal as AbortSignal).reason as DOMException).name).toBe('TimeoutError');
    expect(listenersOn(close.signal)).toBe(0);
  });

  it('after release, neither the deadline nor a source aborts it, and no source holds it', async () => {
    const close = new AbortController();
    const { signal, release } = callSignal([close.signal], 5);

    release();
    await sleep(30);
    close.abort(new Error('closed later'));

    expect(signal?.aborted).toBe(false);
    expect(listenersOn(close.signal)).toBe(0);
  });

  it('is aborted at once, with its reason, when a source already is', () => {
    const caller = new AbortController();
    caller.abort(new Error('cancelled before the call'));
    const close = new AbortController();

    const { signal } = callSignal([close.signal, caller.signal], 1000);

    expect(signal?.aborted).toBe(true);
    expect(((signal as AbortSignal).reason as Error).message).toBe('cancelled before the call');
    expect(listenersOn(close.signal)).toBe(0);
  });

  it('is the only source itself when there is no deadline, and nothing without sources', () => {
    const close = new AbortController();
    expect(callSignal([close.signal]).signal).toBe(close.signal);
    expect(callSignal([]).signal).toBeUndefined();
  });

  it('leaves no signals alive after calls with long deadlines (AbortSignal.any + timeout keeps two per call)', async () => {
    const close = new AbortController();
    const before = liveSignals();
    for (let i = 0; i < 500; i++) {
      const { signal, release } = callSignal([close.signal], 300_000);
      signal?.addEventListener('abort', () => {});
      await new Promise((resolve) => setImmediate(resolve));
      release();
    }
    const after = liveSignals();

    // The same loop with AbortSignal.any([AbortSignal.timeout(300_000), close.signal]) left 1,001.
    expect(after - before).toBeLessThan(50);
    expect(listenersOn(close.signal)).toBe(0);
  });
});
