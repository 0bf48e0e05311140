import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { FlushTimeoutError } from '../../../../lib/index.ts';
import { fakeCluster, fakeWriter, valueAt } from '../../../support/fake-writer.ts';
import { gate } from '../../../support/gate.ts';

// Issue 9, defects 5-7: connections and lifecycle, against the protocol-level fake cluster.

describe('Writer connections and lifecycle (fake broker)', () => {
  it('closes a connection whose request timed out, so the retry does not wait on a dead socket', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    // The first Produce is never answered and its socket stays open: a peer that vanished.
    fake.onProduce(({ attempt }) => (attempt === 1 ? { noAnswer: true, append: false } : 'append'));
    const writer = fakeWriter(fake, { topic: 'events', writeTimeoutMs: 500 });

    const [landed] = await writer.writeMessages([{ key: '0', value: 'after a dead socket' }], {
      timeoutMs: 30_000,
    });

    expect(valueAt(fake, landed as never)).toBe('after a dead socket');
    expect(fake.requestCount('Produce')).toBe(2);
  });

  it("frees a partition when its own answer arrives, not when a slow leader's partition answers", async () => {
    const fake = await fakeCluster({ nodes: 2 });
    fake.createTopic('events', 2, { leaders: [1, 2] });
    const slow = gate();
    fake.onProduce(({ partition }) => (partition === 0 ? { hold: slow.held } : 'append'));
    const writer = fakeWriter(fake, { topic: 'events' });
    onTestFinished(() => slow.release());

    const held = writer.writeMessages([{ key: '0', value: 'slow leader' }]);
    const [first] = await writer.writeMessages([{ key: '1', value: 'healthy 1' }], { timeoutMs: 10_000 });
    const [second] = await writer.writeMessages([{ key: '1', value: 'healthy 2' }], { timeoutMs: 10_000 });

    expect(valueAt(fake, first as never)).toBe('healthy 1');
    expect(valueAt(fake, second as never)).toBe('healthy 2');
    expect(fake.records('events', 0)).toEqual([]);
    slow.release();
    await held;
  });

  it('keeps writing to a leader it knows while a due metadata refresh waits on a broker that answers nothing', async () => {
    const fake = await fakeCluster({ nodes: 2 });
    fake.createTopic('events', 2, { leaders: [1, 2] });
    const writer = fakeWriter(fake, { topic: 'events', metadataMaxAgeMs: 0, writeTimeoutMs: 500 });
    await writer.writeMessages([{ key: '1', value: 'warm-up' }]);
    // From now on node 1 answers no Metadata request (node 2, the leader of partition 1, is fine).
    const hang = gate();
    let held = 0;
    fake.onRequest(({ apiName, node }) => {
      if (apiName !== 'Metadata' || node !== 1) return 'handle';
      held++;
      return { hold: hang.held };
    });
    onTestFinished(() => hang.release());

    // Every write finds its metadata due; the refresh goes to a connected broker picked at random,
    // so write until one refresh is stuck on node 1 (each write must still be answered).
    const landed = [];
    for (let i = 0; held === 0 && i < 50; i++) {
      const [record] = await writer.writeMessages([{ key: '1', value: `write ${i}` }], { timeoutMs: 3_000 });
      landed.push(record);
    }
    const [last] = await writer.writeMessages([{ key: '1', value: 'while stuck' }], { timeoutMs: 3_000 });

    expect(held).toBeGreaterThan(0);
    expect(valueAt(fake, last as never)).toBe('while stuck');
    expect(landed.map((r) => valueAt(fake, r as never))).toEqual(landed.map((_, i) => `write ${i}`));
  });

  it('makes a plain Node process exit after close(), even with a batch still queued behind an unanswered one', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    const answer = gate();
    fake.onProduce(() => ({ hold: answer.held }));
    onTestFinished(() => answer.release());
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, '../../../fixtures/writer/close-then-exit.ts'),
        fake.brokers.join(','),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Whatever the Writer did when it closed, the answers now come back.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    answer.release();

    const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(deadline);

    expect(output.trim()).toBe('FlushTimeoutError');
    expect(code).toBe(0);
    expect(fake.records('events', 0).map((r) => String(r.value))).not.toContain('second');
  });

  it('rejects a sync flush() that runs out of time with FlushTimeoutError naming the pending messages', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    const answer = gate();
    fake.onProduce(() => ({ hold: answer.held }));
    onTestFinished(() => answer.release());
    const writer = fakeWriter(fake, { topic: 'events' });
    const pending = writer.writeMessages([
      { key: '0', value: 'a' },
      { key: '0', value: 'b' },
    ]);
    await vi.waitFor(() => expect(fake.requestCount('Produce')).toBe(1));

    const error = await writer.flush({ timeoutMs: 200 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FlushTimeoutError);
    expect((error as FlushTimeoutError).pendingMessages).toBe(2);
    answer.release();
    await pending;
  });
});
