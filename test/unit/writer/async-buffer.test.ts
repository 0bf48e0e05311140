import { describe, expect, it } from 'vitest';
import { AsyncBuffer, type AsyncBufferLimits, type BufferedEntry } from '../../../lib/writer/async-buffer.ts';
import { FlushError, FlushTimeoutError, WriteAbortedError } from '../../../lib/writer/errors.ts';
import type { Message, ResolvedMessage } from '../../../lib/writer/message.ts';

const limits = (overrides: Partial<AsyncBufferLimits> = {}): AsyncBufferLimits => ({
  batchSize: 100,
  batchBytes: 1_000_000,
  batchTimeoutMs: 5,
  maxBufferedMessages: 1000,
  maxBufferedBytes: 1_000_000,
  maxInFlightPerPartition: 1,
  ...overrides,
});

function messages(n: number, prefix = 'm'): { messages: Message[]; resolved: ResolvedMessage[] } {
  const list = Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}` }));
  return {
    messages: list,
    resolved: list.map(() => ({
      topic: 't',
      key: null,
      value: null,
      headers: undefined,
      timestampMs: 0,
      size: 10,
    })),
  };
}

/** A send whose batches the test releases by hand, recording what was sent. */
function manualSend() {
  const sent: string[][] = [];
  const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const send = (_t: string, _p: number, entries: BufferedEntry[]) => {
    sent.push(entries.map((e) => String(e.message.value)));
    return new Promise<ReadonlyArray<Error | undefined>>((resolve, reject) =>
      pending.push({ resolve: () => resolve(entries.map(() => undefined)), reject }),
    );
  };
  return { sent, pending, send };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('AsyncBuffer', () => {
  it('sends a partition one batch at a time, in order, cut by batchSize', async () => {
    const { sent, pending, send } = manualSend();
    const buffer = new AsyncBuffer(limits({ batchSize: 2 }), send);
    const { messages: m, resolved } = messages(5);

    await buffer.enqueue(m, resolved, [0, 0, 0, 0, 0], undefined);
    await tick();
    expect(sent).toEqual([['m0', 'm1']]);
    pending.shift()?.resolve();
    await tick();
    pending.shift()?.resolve();
    await tick();
    pending.shift()?.resolve();
    await tick();

    expect(sent).toEqual([['m0', 'm1'], ['m2', 'm3'], ['m4']]);
    expect(buffer.size).toBe(0);
  });

  it('pipelines up to maxInFlightPerPartition batches of a partition, in order, and sends the next as one settles', async () => {
    const { sent, pending, send } = manualSend();
    const buffer = new AsyncBuffer(limits({ batchSize: 2, maxInFlightPerPartition: 2 }), send);
    const { messages: m, resolved } = messages(7);

    await buffer.enqueue(m, resolved, [0, 0, 0, 0, 0, 0, 0], undefined);
    await tick();
    expect(sent).toEqual([
      ['m0', 'm1'],
      ['m2', 'm3'],
    ]);
    pending.shift()?.resolve();
    await tick();
    expect(sent).toEqual([
      ['m0', 'm1'],
      ['m2', 'm3'],
      ['m4', 'm5'],
    ]);
    const flushing = buffer.flush(undefined);
    pending.shift()?.resolve();
    await tick();
    pending.shift()?.resolve();
    pending.shift()?.resolve();
    await flushing;

    expect(sent).toEqual([['m0', 'm1'], ['m2', 'm3'], ['m4', 'm5'], ['m6']]);
    expect(buffer.size).toBe(0);
  });

  it('counts every batch in flight, not only the last, in what flush() waits for', async () => {
    const { pending, send } = manualSend();
    const buffer = new AsyncBuffer(limits({ batchSize: 1, maxInFlightPerPartition: 3 }), send);
    const { messages: m, resolved } = messages(3);
    await buffer.enqueue(m, resolved, [0, 0, 0], undefined);
    await tick();
    expect(pending).toHaveLength(3);

    let flushed = false;
    const flushing = buffer.flush(undefined).then(() => {
      flushed = true;
    });
    pending.shift()?.resolve();
    pending.pop()?.resolve();
    await tick();
    expect(flushed).toBe(false);
    pending.shift()?.resolve();
    await flushing;
    expect(flushed).toBe(true);
  });

  it('waits for room when full (backpressure) and gives up plainly when the signal fires', async () => {
    const { pending, send } = manualSend();
    const buffer = new AsyncBuffer(limits({ maxBufferedMessages: 3 }), send);
    const first = messages(3, 'a');
    await buffer.enqueue(first.messages, first.resolved, [0, 0, 0], undefined);

    const second = messages(2, 'b');
    const blocked = buffer.enqueue(second.messages, second.resolved, [0, 0], AbortSignal.timeout(50));

    const error = await blocked.catch((e) => e);
    expect(error).toBeInstanceOf(WriteAbortedError);
    expect((error as WriteAbortedError).mayBeDelivered).toBe(false);
    expect(buffer.size).toBe(3);
    pending.shift()?.resolve();
  });

  it('when full, sends an idle partition partial batch at once, and lets a busy one gather until its batch settles', async () => {
    const { sent, pending, send } = manualSend();
    const buffer = new AsyncBuffer(
      limits({ batchSize: 2, batchTimeoutMs: 10_000, maxBufferedMessages: 6, maxInFlightPerPartition: 5 }),
      send,
    );
    const a = messages(2, 'a');
    await buffer.enqueue(a.messages, a.resolved, [0, 0], undefined); // a whole batch: sent
    const b = messages(1, 'b');
    await buffer.enqueue(b.messages, b.resolved, [0], undefined); // partial: gathers
    const c = messages(1, 'c');
    await buffer.enqueue(c.messages, c.resolved, [1], undefined); // partial, on an idle partition
    const d = messages(4, 'd');
    const blocked = buffer.enqueue(d.messages, d.resolved, [1, 1, 1, 1], undefined); // 8 > 6: waits
    await tick();
    expect(sent).toEqual([['a0', 'a1'], ['c0']]);

    pending.shift()?.resolve(); // a settles: d gets room and goes behind c on partition 1
    await blocked;
    await tick();
    expect(sent).toEqual([['a0', 'a1'], ['c0'], ['d0', 'd1'], ['d2', 'd3']]);
    // The buffer has room again: b0 gathers for batchTimeoutMs, or until a flush.
    const flushed = buffer.flush(undefined);
    await tick();
    expect(sent.at(-1)).toEqual(['b0']);
    for (const p of pending.splice(0)) p.resolve();
    await flushed;
    expect(buffer.size).toBe(0);
  });

  it('sends a partial batch past batchTimeoutMs only once the batch in flight ahead of it settles', async () => {
    const { sent, pending, send } = manualSend();
    const buffer = new AsyncBuffer(
      limits({ batchSize: 2, batchTimeoutMs: 5, maxInFlightPerPartition: 5 }),
      send,
    );
    const a = messages(4, 'a');
    await buffer.enqueue(a.messages, a.resolved, [0, 0, 0, 0], undefined); // two whole batches: pipelined
    const b = messages(1, 'b');
    await buffer.enqueue(b.messages, b.resolved, [0], undefined);
    await tick(); // batchTimeoutMs has run out
    expect(sent).toEqual([
      ['a0', 'a1'],
      ['a2', 'a3'],
    ]);
    pending.shift()?.resolve();
    await tick();
    expect(sent).toHaveLength(2); // one batch still in flight
    pending.shift()?.resolve();
    await tick();
    expect(sent.at(-1)).toEqual(['b0']);
    pending.shift()?.resolve();
    await tick();
    expect(buffer.size).toBe(0);
  });

  it('admits a waiting call once earlier batches settle', async () => {
    const { pending, send } = manualSend();
    const buffer = new AsyncBuffer(limits({ maxBufferedMessages: 3 }), send);
    const first = messages(3, 'a');
    await buffer.enqueue(first.messages, first.resolved, [0, 0, 0], undefined);
    const second = messages(2, 'b');
    let admitted = false;
    const waiting = buffer.enqueue(second.messages, second.resolved, [0, 0], undefined).then(() => {
      admitted = true;
    });
    await tick();
    expect(admitted).toBe(false);

    pending.shift()?.resolve();
    await waiting;

    expect(admitted).toBe(true);
    expect(buffer.size).toBe(2);
  });

  it('flush() waits for earlier messages and lists the ones that failed', async () => {
    const { pending, send } = manualSend();
    const buffer = new AsyncBuffer(limits({ batchTimeoutMs: 60_000 }), send);
    const { messages: m, resolved } = messages(2);
    await buffer.enqueue(m, resolved, [0, 1], undefined);

    const flushing = buffer.flush(undefined);
    await tick();
    expect(pending).toHaveLength(2); // flush sent both partial batches without waiting for the timeout
    pending[0]?.resolve();
    pending[1]?.reject(new Error('broker said no'));

    const error = await flushing.catch((e) => e);
    expect(error).toBeInstanceOf(FlushError);
    expect((error as FlushError).failures.map((f) => f.message.value)).toEqual(['m1']);
  });

  it('flush() settles with FlushTimeoutError when its signal fires first', async () => {
    const { send } = manualSend();
    const buffer = new AsyncBuffer(limits(), send);
    const { messages: m, resolved } = messages(3);
    await buffer.enqueue(m, resolved, [0, 0, 0], undefined);

    const error = await buffer.flush(AbortSignal.timeout(30)).catch((e) => e);

    expect(error).toBeInstanceOf(FlushTimeoutError);
    expect((error as FlushTimeoutError).pendingMessages).toBe(3);
  });

  it('sends a partial batch after batchTimeoutMs without a flush', async () => {
    const { sent, send } = manualSend();
    const buffer = new AsyncBuffer(limits({ batchTimeoutMs: 10, batchSize: 100 }), send);
    const { messages: m, resolved } = messages(3);

    await buffer.enqueue(m, resolved, [0, 0, 0], undefined);
    expect(sent).toEqual([]);
    await tick();

    expect(sent).toEqual([['m0', 'm1', 'm2']]);
  });
});
