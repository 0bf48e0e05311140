import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { RequiredAcks, Writer } from '../lib/index.ts';
import { median, percentile, since } from './measure.ts';

export interface ThroughputOptions {
  brokers: string[];
  topic: string;
  messages: number;
  valueBytes: number;
  chunk: number;
  rounds: number;
}

export interface ThroughputResult {
  contender: string;
  medianMs: number;
  msgsPerSec: number;
  mbPerSec: number;
  ratioToKafkajs: number;
}

function makeMessages(count: number, valueBytes: number) {
  const value = Buffer.alloc(valueBytes, 'x');
  return Array.from({ length: count }, (_, i) => ({ key: `key-${i % 1000}`, value }));
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The same messages, in the same call-sized chunks, acks=all, sent by raw kafkajs `sendBatch`
 * (the floor for our overhead) and by the Writer; rounds alternate so drift hits both alike.
 */
export async function throughput(options: ThroughputOptions): Promise<ThroughputResult[]> {
  const messages = makeMessages(options.messages, options.valueBytes);
  const calls = chunks(messages, options.chunk);
  const kafka = new Kafka({ brokers: options.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const writerTuned = new Writer({
    brokers: options.brokers,
    topic: options.topic,
    batchSize: options.chunk,
  });
  const writerDefaults = new Writer({ brokers: options.brokers, topic: options.topic });
  const writerAsync = new Writer({
    brokers: options.brokers,
    topic: options.topic,
    async: true,
    batchSize: options.chunk,
  });
  await Promise.all([writerTuned.connect(), writerDefaults.connect(), writerAsync.connect()]);

  const contenders: Array<[string, () => Promise<void>]> = [
    [
      'kafkajs sendBatch',
      async () => {
        for (const call of calls) {
          await producer.sendBatch({
            acks: RequiredAcks.All,
            topicMessages: [{ topic: options.topic, messages: call }],
          });
        }
      },
    ],
    [
      `Writer sync (batchSize ${options.chunk})`,
      async () => {
        for (const call of calls) await writerTuned.writeMessages(call);
      },
    ],
    [
      'Writer sync (defaults: batchSize 100)',
      async () => {
        for (const call of calls) await writerDefaults.writeMessages(call);
      },
    ],
    [
      `Writer async (batchSize ${options.chunk}) + flush`,
      async () => {
        for (const call of calls) await writerAsync.writeMessages(call);
        await writerAsync.flush();
      },
    ],
  ];
  const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  // One warm-up round each, not counted: JIT, metadata, connections.
  for (const [, run] of contenders) await run();
  for (let round = 0; round < options.rounds; round++) {
    for (const [name, run] of contenders) {
      const start = performance.now();
      await run();
      times.get(name)?.push(since(start));
    }
  }
  await Promise.all([
    producer.disconnect(),
    writerTuned.close(),
    writerDefaults.close(),
    writerAsync.close(),
  ]);

  const baseline = median(times.get('kafkajs sendBatch') ?? []);
  const totalMb = (options.messages * (options.valueBytes + 8)) / 1e6;
  return contenders.map(([name]) => {
    const ms = median(times.get(name) ?? []);
    return {
      contender: name,
      medianMs: round1(ms),
      msgsPerSec: Math.round(options.messages / (ms / 1000)),
      mbPerSec: round1(totalMb / (ms / 1000)),
      ratioToKafkajs: Math.round((ms / baseline) * 1000) / 1000,
    };
  });
}

export interface LatencyResult {
  contender: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** One message per call, sequentially: shows the Writer adds no linger to a sync write. */
export async function singleMessageLatency(
  brokers: string[],
  topic: string,
  writes: number,
): Promise<LatencyResult[]> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const writer = new Writer({ brokers, topic });
  await writer.connect();
  const samples = { kafkajs: [] as number[], writer: [] as number[] };
  for (let i = 0; i < writes; i++) {
    const message = { key: `k${i}`, value: `single-${i}` };
    let start = performance.now();
    await producer.send({ topic, acks: RequiredAcks.All, messages: [message] });
    samples.kafkajs.push(since(start));
    start = performance.now();
    await writer.writeMessages([message]);
    samples.writer.push(since(start));
  }
  await Promise.all([producer.disconnect(), writer.close()]);
  const summarize = (contender: string, s: number[]): LatencyResult => ({
    contender,
    p50Ms: round2(percentile(s.slice(10), 50)),
    p99Ms: round2(percentile(s.slice(10), 99)),
    maxMs: round2(Math.max(...s.slice(10))),
  });
  return [
    summarize('kafkajs send (1 message)', samples.kafkajs),
    summarize('Writer sync (1 message)', samples.writer),
  ];
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
