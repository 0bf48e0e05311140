import { describe, expect, inject, it } from 'vitest';
import { Writer, type WriterOptions } from '../../../lib/index.ts';
import { KafkaJsTransport, transportConfigFrom } from '../../../lib/writer/kafkajs-transport.ts';
import { resolveWriterConfig } from '../../../lib/writer/options.ts';
import type {
  CreateTopicOptions,
  KafkaTransport,
  PartitionBatch,
  ProduceOptions,
  ProduceResult,
} from '../../../lib/writer/transport.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { createTopic } from '../../support/topics.ts';

const brokers = inject('kafkaBrokers');

/** The real kafkajs transport, counting how many batches of each partition it holds at once. */
class InFlightCounter implements KafkaTransport {
  readonly most = new Map<number, number>();
  private readonly now = new Map<number, number>();

  constructor(private readonly inner: KafkaTransport) {}

  connect(): Promise<void> {
    return this.inner.connect();
  }

  partitions(topic: string, options?: { refresh?: boolean }): Promise<number[] | undefined> {
    return this.inner.partitions(topic, options);
  }

  createTopic(topic: string, options: CreateTopicOptions): Promise<void> {
    return this.inner.createTopic(topic, options);
  }

  abandon(batch: PartitionBatch): { mayBeWritten: boolean } {
    return this.inner.abandon?.(batch) ?? { mayBeWritten: true };
  }

  disconnect(): Promise<void> {
    return this.inner.disconnect();
  }

  async produce(batch: PartitionBatch, options: ProduceOptions): Promise<ProduceResult> {
    const count = (this.now.get(batch.partition) ?? 0) + 1;
    this.now.set(batch.partition, count);
    this.most.set(batch.partition, Math.max(count, this.most.get(batch.partition) ?? 0));
    try {
      return await this.inner.produce(batch, options);
    } finally {
      this.now.set(batch.partition, (this.now.get(batch.partition) ?? 1) - 1);
    }
  }
}

function countedWriter(options: WriterOptions): { writer: Writer; counter: InFlightCounter } {
  const counter = new InFlightCounter(
    new KafkaJsTransport(transportConfigFrom(resolveWriterConfig(options))),
  );
  return { writer: new Writer({ ...options, transport: counter }), counter };
}

describe('Writer pipelining on a real broker', () => {
  it('keeps five batches per partition in flight and delivers every message once, in order per key', async () => {
    const partitions = 3;
    const topic = await createTopic(brokers, { partitions });
    const { writer, counter } = countedWriter({ brokers, topic, async: true, batchSize: 10 });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const perKey = 500;

    for (let i = 0; i < perKey; i += 50) {
      const call = keys.flatMap((key) =>
        Array.from({ length: 50 }, (_, j) => ({ key, value: `${key}-${i + j}` })),
      );
      await writer.writeMessages(call);
    }
    await writer.close();

    // Exactly as many records as written (kcat fails on more): nothing was written twice.
    const records = await consumeWithKcat(brokers, topic, { count: keys.length * perKey });
    for (const key of keys) {
      const values = records.filter((r) => r.key?.toString() === key).map((r) => r.value?.toString());
      expect(values, `key ${key}`).toEqual(Array.from({ length: perKey }, (_, i) => `${key}-${i}`));
    }
    expect([...counter.most.values()]).toEqual(new Array(partitions).fill(5));
  });

  it('pipelines the batches of concurrent sync calls to one partition and keeps each call in order', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const writer = new Writer({ brokers, topic, batchSize: 20 });
    const calls = 8;

    const written = await Promise.all(
      Array.from({ length: calls }, (_, c) =>
        writer.writeMessages(Array.from({ length: 20 }, (_, i) => ({ value: `${c}-${i}` }))),
      ),
    );
    await writer.close();

    const records = await consumeWithKcat(brokers, topic, { count: calls * 20 });
    for (const [c, metas] of written.entries()) {
      const values = metas.map((m) => records.find((r) => String(r.offset) === m.offset)?.value?.toString());
      expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `${c}-${i}`));
      // A call's batch is one request: its offsets are consecutive.
      expect(metas.map((m) => Number(m.offset))).toEqual(
        Array.from({ length: 20 }, (_, i) => Number(metas[0]?.offset) + i),
      );
    }
  });

  it('keeps one batch per partition in flight for a Writer that is not idempotent, unless told', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const { writer, counter } = countedWriter({
      brokers,
      topic,
      async: true,
      batchSize: 10,
      idempotent: false,
    });

    await writer.writeMessages(Array.from({ length: 200 }, (_, i) => ({ value: `${i}` })));
    await writer.close();

    const records = await consumeWithKcat(brokers, topic, { count: 200 });
    expect(records.map((r) => r.value?.toString())).toEqual(Array.from({ length: 200 }, (_, i) => `${i}`));
    expect(counter.most.get(0)).toBe(1);
  });
});
