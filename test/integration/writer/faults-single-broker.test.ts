import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { WriteAbortedError, WriteErrors, Writer } from '../../../lib/index.ts';
import { useDedicatedCluster } from '../../support/dedicated-cluster.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { countRecords, createTopic } from '../../support/topics.ts';

// One broker of this file's own, which the tests stop, restart and freeze. The broker reaps
// idle connections after 2 s, so every test here also crosses reaped connections.
const cluster = useDedicatedCluster({
  name: 'faults-single',
  nodeCount: 1,
  basePort: 21092,
  overrides: { 'connections.max.idle.ms': 2000 },
});

describe('Writer against a broker that fails', () => {
  it('writes again after the broker closed its idle connections', async () => {
    const { brokers } = cluster();
    const topic = await createTopic(brokers, { partitions: 1, replicationFactor: 1 });
    const w = new Writer({ brokers, topic });
    await w.writeMessages([{ value: 'before idle' }]);

    await sleep(4500); // more than twice connections.max.idle.ms

    await w.writeMessages([{ value: 'after idle' }]);
    await w.close();
    expect(await countRecords(brokers, topic)).toBe(2);
  });

  it('resumes after a broker restart mid-stream and loses nothing it acknowledged', async () => {
    const kafka = cluster();
    const { brokers } = kafka;
    const topic = await createTopic(brokers, { partitions: 3, replicationFactor: 1 });
    const w = new Writer({ brokers, topic, maxAttempts: 40, writeBackoffMinMs: 50, writeBackoffMaxMs: 500 });
    const acknowledged: string[] = [];
    const failed: string[] = [];

    const producing = (async () => {
      for (let batch = 0; batch < 60; batch++) {
        const ids = Array.from({ length: 20 }, (_, i) => `b${batch}-m${i}`);
        try {
          await w.writeMessages(ids.map((id) => ({ key: id, value: id })));
          acknowledged.push(...ids);
        } catch (error) {
          expect(error).toBeInstanceOf(WriteErrors);
          failed.push(...ids);
        }
        await sleep(50);
      }
    })();
    await sleep(800);
    await kafka.stopNode(1);
    await sleep(1500);
    await kafka.startNode(1);
    const acknowledgedBeforeRestart = acknowledged.length;
    await producing;
    await w.close();

    const consumed = new Set(
      (await consumeWithKcat(brokers, topic, { count: acknowledged.length, atLeast: true })).map((r) =>
        r.value?.toString(),
      ),
    );
    const lost = acknowledged.filter((id) => !consumed.has(id));
    expect(lost).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(acknowledgedBeforeRestart); // writes resumed after the restart
    expect(acknowledged.length).toBeGreaterThan(600); // and most batches made it
  });

  it('bounds a call by its timeout while the broker is down, and says nothing was sent', async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 1, replicationFactor: 1 });
    const w = new Writer({ brokers: kafka.brokers, topic, maxAttempts: 1000, writeBackoffMinMs: 100 });
    await w.writeMessages([{ value: 'warm up metadata' }]);
    await kafka.stopNode(1);
    try {
      const error = await w.writeMessages([{ value: 'during outage' }], { timeoutMs: 2000 }).catch((e) => e);

      expect(error).toBeInstanceOf(WriteErrors);
      const [only] = (error as WriteErrors).errors;
      expect(only).toBeInstanceOf(WriteAbortedError);
      expect((only as WriteAbortedError).reason).toBe('timeout');
      expect((only as WriteAbortedError).mayBeDelivered).toBe(false);
    } finally {
      await kafka.startNode(1);
      await w.close({ timeoutMs: 10_000 }).catch(() => undefined);
    }
    expect(await countRecords(kafka.brokers, topic)).toBe(1);
  });

  it('says an aborted in-flight request may still be delivered, and it is', async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 1, replicationFactor: 1 });
    const w = new Writer({ brokers: kafka.brokers, topic, writeTimeoutMs: 30_000 });
    await w.writeMessages([{ value: 'warm up connection' }]);
    const controller = new AbortController();

    await kafka.pauseNode(1);
    let error: unknown;
    try {
      const call = w.writeMessages([{ value: 'in flight' }], { signal: controller.signal });
      await sleep(500);
      controller.abort();
      error = await call.catch((e) => e);
    } finally {
      await kafka.resumeNode(1);
    }

    expect(error).toBeInstanceOf(WriteErrors);
    const [only] = (error as WriteErrors).errors;
    expect(only).toBeInstanceOf(WriteAbortedError);
    expect((only as WriteAbortedError).mayBeDelivered).toBe(true);
    expect((only as WriteAbortedError).message).toContain('may still be delivered');
    const records = await consumeWithKcat(kafka.brokers, topic, { count: 2 });
    expect(records.map((r) => r.value?.toString())).toEqual(['warm up connection', 'in flight']);
    await w.close();
  });

  it('keeps an async buffer within its bound while the broker is stopped, and close() settles', async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 2, replicationFactor: 1 });
    const failures: Error[] = [];
    const w = new Writer({
      brokers: kafka.brokers,
      topic,
      async: true,
      maxBufferedMessages: 100,
      maxAttempts: 1000,
      completion: (_messages, error) => {
        if (error) failures.push(error);
      },
    });
    await w.writeMessages([{ value: 'warm up metadata' }]);
    await w.flush();
    await kafka.stopNode(1);
    let peak = 0;
    let rejectedForBackpressure = 0;
    try {
      for (let call = 0; call < 10; call++) {
        const messages = Array.from({ length: 50 }, (_, i) => ({ value: `c${call}-${i}` }));
        await w.writeMessages(messages, { timeoutMs: 300 }).catch((error) => {
          expect(error).toBeInstanceOf(WriteAbortedError);
          expect((error as WriteAbortedError).mayBeDelivered).toBe(false);
          rejectedForBackpressure++;
        });
        peak = Math.max(peak, w.stats().bufferedMessages);
      }

      expect(peak).toBeLessThanOrEqual(100);
      expect(rejectedForBackpressure).toBeGreaterThanOrEqual(8);
      await expect(w.close({ timeoutMs: 1000 })).rejects.toThrow(/still unacknowledged/);
      expect(failures.length).toBeGreaterThan(0);
    } finally {
      await kafka.startNode(1);
    }
  });
});
