import { queryObjects } from 'node:v8';
import { describe, expect, inject, it } from 'vitest';
import {
  BrokerError,
  MessageTooLargeError,
  RoundRobin,
  UnknownTopicError,
  WriteAbortedError,
  WriteErrors,
  Writer,
  WriterClosedError,
} from '../../../lib/index.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { countRecords, createTopic, uniqueTopic } from '../../support/topics.ts';

const brokers = inject('kafkaBrokers');

describe('Writer, synchronous writes on a real broker', () => {
  it('resolves with topic, partition and offset of every message, index-aligned', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const w = new Writer({ brokers, topic, balancer: new RoundRobin() });

    const written = await w.writeMessages(
      Array.from({ length: 9 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    );
    await w.close();

    const consumed = await consumeWithKcat(brokers, topic, { count: 9 });
    for (const [i, meta] of written.entries()) {
      const match = consumed.find((r) => r.partition === meta.partition && String(r.offset) === meta.offset);
      expect(match?.value?.toString(), `message ${i}`).toBe(`v${i}`);
      expect(meta.topic).toBe(topic);
    }
  });

  it('keeps nothing of a call with a deadline once it returned (a warm Lambda makes thousands)', async () => {
    const topic = await createTopic(brokers);
    const w = new Writer({ brokers, topic });
    await w.writeMessages([{ value: 'warm-up' }], { timeoutMs: 300_000 });
    const liveSignals = () => queryObjects(AbortSignal, { format: 'count' }) as number;

    const before = liveSignals();
    for (let i = 0; i < 200; i++) await w.writeMessages([{ value: `v${i}` }], { timeoutMs: 300_000 });
    const after = liveSignals();
    await w.close();

    // With AbortSignal.timeout + AbortSignal.any each call left two signals until its deadline.
    expect(after - before).toBeLessThan(20);
    expect(await countRecords(brokers, topic)).toBe(201);
  });

  it('sends a sync write at once, never waiting for batchTimeoutMs', async () => {
    const topic = await createTopic(brokers);
    // With a ten-minute linger, a write that waited for the batch timeout would hit the test timeout.
    const w = new Writer({ brokers, topic, batchTimeoutMs: 600_000, batchSize: 1000 });

    const [meta] = await w.writeMessages([{ value: 'no linger' }]);
    await w.close();

    expect(meta?.offset).toBe('0');
  }, 20_000);

  it('keeps headers and timestamps, and tells a nil key from an empty key', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const w = new Writer({ brokers, topic });
    const time = new Date('2026-01-02T03:04:05.678Z');

    await w.writeMessages([
      { key: null, value: 'nil key', headers: { trace: 'abc', bin: Buffer.from([0, 1, 2]) }, time },
      { key: '', value: 'empty key' },
      { key: Buffer.from([0xff, 0x00]), value: new Uint8Array([1, 2, 3]) },
      { key: 'tombstone', value: null },
    ]);
    await w.close();

    const [nil, empty, binary, tombstone] = await consumeWithKcat(brokers, topic, { count: 4 });
    expect(nil?.key).toBeNull();
    expect(nil?.headers.trace?.toString()).toBe('abc');
    expect(nil?.headers.bin).toEqual(Buffer.from([0, 1, 2]));
    expect(nil?.timestampMs).toBe(time.getTime());
    expect(empty?.key).toEqual(Buffer.alloc(0));
    expect(binary?.key).toEqual(Buffer.from([0xff, 0x00]));
    expect(binary?.value).toEqual(Buffer.from([1, 2, 3]));
    expect(tombstone?.value).toBeNull();
  });

  it('treats an empty call as a no-op that opens no connection', async () => {
    const w = new Writer({ brokers, topic: uniqueTopic('never-created') });

    await expect(w.writeMessages([])).resolves.toEqual([]);

    const stats = w.stats();
    expect(stats.writes).toBe(0);
    expect(stats.dials).toBe(0);
    await w.close();
  });

  it('rejects writes after close() with a clear error', async () => {
    const topic = await createTopic(brokers);
    const w = new Writer({ brokers, topic });
    await w.writeMessages([{ value: 'before close' }]);

    await w.close();

    await expect(w.writeMessages([{ value: 'after close' }])).rejects.toBeInstanceOf(WriterClosedError);
    await expect(w.close()).resolves.toBeUndefined();
    expect(await countRecords(brokers, topic)).toBe(1);
  });

  it('reports kafka-go WriterStats whose counters reset on read', async () => {
    const topic = await createTopic(brokers);
    const w = new Writer({ brokers, topic, batchSize: 2 });

    await w.writeMessages(Array.from({ length: 5 }, (_, i) => ({ key: 'same-key', value: `m${i}` })));
    const first = w.stats();
    const second = w.stats();
    await w.close();

    expect(first).toMatchObject({
      messages: 5,
      writes: 3,
      errors: 0,
      maxBatchSize: 2,
      topic,
      requiredAcks: -1,
    });
    expect(first.batchSize).toMatchObject({ count: 3, max: 2, min: 1, sum: 5 });
    expect(first.bytes).toBeGreaterThan(0);
    expect(second).toMatchObject({ messages: 0, writes: 0, bytes: 0, errors: 0 });
    expect(second.batchSize.count).toBe(0);
  });

  it('rejects an oversized message with MessageTooLargeError carrying it and the rest; nothing is sent', async () => {
    const topic = await createTopic(brokers);
    const w = new Writer({ brokers, topic, batchBytes: 1000 });
    const messages = [
      { key: 'a', value: 'small' },
      { key: 'b', value: 'x'.repeat(5000) },
      { key: 'c', value: 'after the big one' },
    ];

    const error = await w.writeMessages(messages).catch((e: unknown) => e);
    await w.close();

    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect((error as MessageTooLargeError).tooLarge).toBe(messages[1]);
    expect((error as MessageTooLargeError).remaining).toEqual([messages[2]]);
    expect(await countRecords(brokers, topic)).toBe(0);
  });

  it('reports a batch the broker refuses as too large per message, without retrying it', async () => {
    const topic = await createTopic(brokers, { partitions: 1, config: { 'max.message.bytes': '2000' } });
    const w = new Writer({ brokers, topic });

    const error = await w.writeMessages([{ value: 'y'.repeat(10_000) }]).catch((e: unknown) => e);
    const stats = w.stats();
    await w.close();

    expect(error).toBeInstanceOf(WriteErrors);
    const [only] = (error as WriteErrors).errors;
    expect(only).toBeInstanceOf(BrokerError);
    expect((only as BrokerError).code).toBe('MESSAGE_TOO_LARGE');
    expect((only as BrokerError).attempts).toBe(1);
    expect(stats.retries).toBe(0);
    expect(await countRecords(brokers, topic)).toBe(0);
  });

  it('isolates the one message the broker refuses as too large and writes the rest of its batch', async () => {
    const topic = await createTopic(brokers, { partitions: 1, config: { 'max.message.bytes': '2000' } });
    const w = new Writer({ brokers, topic });
    const messages = ['a', 'b', 'y'.repeat(10_000), 'c', 'd', 'e'].map((value) => ({ value }));

    const error = await w.writeMessages(messages).catch((e: unknown) => e);
    await w.close();

    expect(error).toBeInstanceOf(WriteErrors);
    const failed = (error as WriteErrors).errors.map((e, i) => (e ? i : -1)).filter((i) => i >= 0);
    expect(failed).toEqual([2]);
    expect((error as WriteErrors).errors[2]).toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    const values = (await consumeWithKcat(brokers, topic, { count: 5 })).map((r) => r.value?.toString());
    expect(values).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('fails fast on an unknown topic when auto-creation is off, without spending the retry budget', async () => {
    const topic = uniqueTopic('missing');
    const w = new Writer({
      brokers,
      topic,
      maxAttempts: 10,
      writeBackoffMinMs: 1000,
      writeBackoffMaxMs: 1000,
    });

    const error = await w.writeMessages([{ value: 'nowhere to go' }]).catch((e: unknown) => e);
    const stats = w.stats();
    await w.close();

    expect(error).toBeInstanceOf(UnknownTopicError);
    expect((error as Error).message).toContain(topic);
    expect(stats.retries).toBe(0);
  });

  it('reports an already-aborted call as not sent, and sends nothing', async () => {
    const topic = await createTopic(brokers);
    const w = new Writer({ brokers, topic });
    const controller = new AbortController();
    controller.abort();

    const error = await w.writeMessages([{ value: 'never' }], { signal: controller.signal }).catch((e) => e);
    await w.close();

    expect(error).toBeInstanceOf(WriteAbortedError);
    expect((error as WriteAbortedError).mayBeDelivered).toBe(false);
    expect((error as WriteAbortedError).message).toContain('not sent');
    expect(await countRecords(brokers, topic)).toBe(0);
  });

  it('writes with an idempotent producer', async () => {
    const topic = await createTopic(brokers);
    const w = new Writer({ brokers, topic, idempotent: true });

    const written = await w.writeMessages(
      Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: `${i}` })),
    );
    await w.close();

    expect(written).toHaveLength(20);
    expect(await countRecords(brokers, topic)).toBe(20);
  });
});
