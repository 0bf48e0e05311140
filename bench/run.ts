/**
 * `npm run bench`: starts a broker of its own, measures the Writer against raw kafkajs in the same
 * run, prints ratios and writes bench/results/latest.json. A benchmark, not a test: nothing here
 * asserts a timing.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { LocalKafkaCluster } from '../scripts/kafka/broker.ts';
import { PROJECT_ROOT } from '../scripts/kafka/paths.ts';
import { table } from './measure.ts';
import { singleMessageLatency, throughput } from './writer-vs-kafkajs.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50_000);
const VALUE_BYTES = Number(process.env.BENCH_VALUE_BYTES ?? 256);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PARTITIONS = 6;

const cluster = await LocalKafkaCluster.start({ name: 'bench', nodeCount: 1, basePort: 35092 });
try {
  const { brokers } = cluster;
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topic = `bench-${Date.now()}`;
  const latencyTopic = `${topic}-latency`;
  await admin.createTopics({
    topics: [
      { topic, numPartitions: PARTITIONS, replicationFactor: 1 },
      { topic: latencyTopic, numPartitions: 1, replicationFactor: 1 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`Machine: ${machine}`);
  console.log(
    `Throughput: ${MESSAGES} messages × ${VALUE_BYTES} B, calls of ${CHUNK}, ${PARTITIONS} partitions, acks=all, 1 broker, median of ${ROUNDS} rounds\n`,
  );
  const throughputRows = await throughput({
    brokers,
    topic,
    messages: MESSAGES,
    valueBytes: VALUE_BYTES,
    chunk: CHUNK,
    rounds: ROUNDS,
  });
  console.log(table(throughputRows.map((r) => ({ ...r }))));
  const writerRow = throughputRows.find((r) => r.contender.startsWith('Writer sync (batchSize'));
  console.log(
    `\nWriter / raw kafkajs time: ${writerRow?.ratioToKafkajs}x (goal <= 1.05x) -> ${
      (writerRow?.ratioToKafkajs ?? 99) <= 1.05 ? 'met' : 'MISSED'
    }`,
  );

  console.log('\nSingle-message sync write latency (1000 sequential writes, first 10 dropped):\n');
  const latencyRows = await singleMessageLatency(brokers, latencyTopic, 1000);
  console.log(table(latencyRows.map((r) => ({ ...r }))));

  const results = {
    date: new Date().toISOString(),
    machine,
    settings: {
      messages: MESSAGES,
      valueBytes: VALUE_BYTES,
      chunk: CHUNK,
      rounds: ROUNDS,
      partitions: PARTITIONS,
    },
    throughput: throughputRows,
    latency: latencyRows,
  };
  await writeFile(
    join(PROJECT_ROOT, 'bench', 'results', 'latest.json'),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  console.log('\nWrote bench/results/latest.json');
} finally {
  await cluster.stop();
}
