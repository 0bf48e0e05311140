import { describe, expect, inject, it } from 'vitest';
import { FlushError, type Message, Writer } from '../../../lib/index.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { countRecords, createTopic } from '../../support/topics.ts';

const brokers = inject('kafkaBrokers');

describe('Writer, asynchronous writes on a real broker', () => {
  it('reports every batch to completion and keeps each partition in order', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const batches: number[] = [];
    const w = new Writer({
      brokers,
      topic,
      async: true,
      batchSize: 40,
      batchTimeoutMs: 5,
      completion: (messages, error) => {
        expect(error).toBeUndefined();
        batches.push(messages.length);
      },
    });

    for (let call = 0; call < 5; call++) {
      await w.writeMessages(Array.from({ length: 20 }, (_, i) => ({ value: `${call * 20 + i}` })));
    }
    await w.flush();

    expect(batches.reduce((a, b) => a + b, 0)).toBe(100);
    expect(Math.max(...batches)).toBeLessThanOrEqual(40);
    const values = (await consumeWithKcat(brokers, topic, { count: 100 })).map((r) =>
      Number(r.value?.toString()),
    );
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await w.close();
  });

  it('flush() rejects with FlushError naming the messages the broker refused', async () => {
    const topic = await createTopic(brokers, { partitions: 1, config: { 'max.message.bytes': '2000' } });
    const failedInCompletion: Message[] = [];
    const w = new Writer({
      brokers,
      topic,
      async: true,
      batchSize: 1,
      completion: (messages, error) => {
        if (error) failedInCompletion.push(...messages);
      },
    });
    const big = { key: 'big', value: 'z'.repeat(10_000) };

    await w.writeMessages([{ key: 'small', value: 'fits' }, big]);
    const error = await w.flush().catch((e: unknown) => e);
    await w.close();

    expect(error).toBeInstanceOf(FlushError);
    expect((error as FlushError).failures.map((f) => f.message)).toEqual([big]);
    expect(failedInCompletion).toEqual([big]);
    expect(await countRecords(brokers, topic)).toBe(1);
  });

  it('close() delivers what is still buffered', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const w = new Writer({ brokers, topic, async: true, batchTimeoutMs: 60_000, batchSize: 10_000 });

    await w.writeMessages(Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })));
    expect(w.stats().bufferedMessages).toBe(500); // lingering: the batch timeout is a minute away
    await w.close();

    expect(await countRecords(brokers, topic)).toBe(500);
  });
});
