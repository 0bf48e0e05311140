/**
 * The in-process client contenders of the throughput table: raw kafkajs (the baseline), the
 * Writer in its three shapes, and @platformatic/kafka. Each sends the same calls, acks=all.
 */
import { compatibilityPartitioner, ProduceAcks, Producer } from '@platformatic/kafka';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { RequiredAcks, Writer, type WriterOptions } from '../lib/index.ts';
import { type Contender, timedCalls } from './contender.ts';
import type { BenchMessage } from './workload.ts';

/** Where and what the contenders write. */
export interface ClientTarget {
  brokers: string[];
  topic: string;
  /** The workload, already split into calls. */
  calls: BenchMessage[][];
  chunk: number;
}

/** Raw kafkajs 2.2.4 `sendBatch`, one call per chunk: the floor for our overhead. */
export async function kafkajsContender(target: ClientTarget): Promise<Contender> {
  const kafka = new Kafka({ brokers: target.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return {
    id: 'kafkajs',
    name: 'kafkajs sendBatch (baseline)',
    kind: 'baseline',
    sliceable: true,
    round: (onCall, slice) =>
      timedCalls(
        target.calls,
        (messages) =>
          producer.sendBatch({ acks: RequiredAcks.All, topicMessages: [{ topic: target.topic, messages }] }),
        onCall,
        slice,
      ),
    close: () => producer.disconnect(),
  };
}

/**
 * The Writer; `batchSize` undefined keeps its default (100, kafka-go's), `options` sets anything
 * else (the Lambda handlers' configuration, for one).
 */
export async function writerContender(
  target: ClientTarget,
  shape: {
    id: string;
    name: string;
    batchSize?: number;
    async?: boolean;
    note?: string;
    options?: Partial<WriterOptions>;
  },
): Promise<Contender> {
  const writer = new Writer({
    brokers: target.brokers,
    topic: target.topic,
    requiredAcks: RequiredAcks.All,
    ...(shape.batchSize === undefined ? {} : { batchSize: shape.batchSize }),
    ...(shape.async ? { async: true } : {}),
    ...shape.options,
  });
  await writer.connect();
  return {
    id: shape.id,
    name: shape.name,
    kind: 'writer',
    ...(shape.note ? { note: shape.note } : {}),
    sliceable: true,
    round: async (onCall, slice) => {
      await timedCalls(target.calls, (messages) => writer.writeMessages(messages), onCall, slice);
      // Async calls return once buffered: the round (or slice) ends when everything is acknowledged.
      if (shape.async) await writer.flush();
    },
    close: () => writer.close(),
  };
}

/**
 * @platformatic/kafka's Producer, one awaited `send` per chunk, Java-compatible murmur2. Each send
 * names acks=all itself: 2.12.1's `send` ignores the constructor's `acks` and, for a producer that
 * is not idempotent, writes at acks=1 (leader only), which skips the wait for the ISR.
 */
export async function platformaticContender(target: ClientTarget): Promise<Contender> {
  const producer = new Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: target.brokers,
    partitioner: compatibilityPartitioner,
    retries: 3,
  });
  const calls = target.calls.map((messages) =>
    messages.map((m) => ({ topic: target.topic, key: Buffer.from(m.key), value: m.value })),
  );
  // Metadata and connections come with the first send; the warm-up round absorbs them.
  return {
    id: 'platformatic',
    name: '@platformatic/kafka send',
    kind: 'peer',
    note: 'pure JS client, Node 22',
    sliceable: true,
    round: (onCall, slice) =>
      timedCalls(calls, (messages) => producer.send({ messages, acks: ProduceAcks.ALL }), onCall, slice),
    close: () => producer.close(),
  };
}
