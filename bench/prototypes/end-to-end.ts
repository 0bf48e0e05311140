/**
 * `npm run bench:encoding:end-to-end`: the Writer and the SQS handler
 * on a real broker, each in a fresh process with kafkajs' encoder and with the prototype one
 * (install-fast-produce.ts), alternating, three processes each: the gain lib/ would see.
 */
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { LocalKafkaCluster } from '../../scripts/kafka/broker.ts';
import { PROJECT_ROOT } from '../../scripts/kafka/paths.ts';
import { median, table } from '../measure.ts';
import { exec } from '../peers/exec.ts';

const HERE = join(PROJECT_ROOT, 'bench', 'prototypes');
const NODE = process.execPath;
const given = process.env.BENCH_BROKERS?.split(',').filter(Boolean);
const cluster = given
  ? undefined
  : await LocalKafkaCluster.start({ name: 'bench', nodeCount: 1, basePort: 35092 });
try {
  const brokers = given ?? (cluster as LocalKafkaCluster).brokers;
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topic = `bench-encoding-${Date.now()}`;
  await admin.createTopics({
    topics: [{ topic, numPartitions: 6, replicationFactor: 1 }],
    waitForLeaders: true,
  });

  const runs = new Map<string, { ms: number[]; cpu: number[] }>();
  for (let repeat = 0; repeat < 3; repeat++) {
    for (const contender of ['writer', 'sqs']) {
      for (const encoder of ['kafkajs', 'prototype']) {
        const preload = encoder === 'prototype' ? ['--import', join(HERE, 'install-fast-produce.ts')] : [];
        const { stdout } = await exec(NODE, [
          '--import',
          'tsx',
          ...preload,
          join(HERE, 'rounds-child.ts'),
          brokers.join(','),
          topic,
          contender,
        ]);
        const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
          roundsMs: number[];
          cpuMicrosPerMessage: number;
        };
        const key = `${contender}|${encoder}`;
        const entry = runs.get(key) ?? { ms: [], cpu: [] };
        entry.ms.push(...result.roundsMs);
        entry.cpu.push(result.cpuMicrosPerMessage);
        runs.set(key, entry);
      }
    }
  }
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  console.log(
    '50,000 × 256 B in calls (invocations) of 1,000, acks=all, 6 partitions; 3 processes × 5 rounds each\n',
  );
  console.log(
    table(
      [...runs.entries()].map(([key, { ms, cpu }]) => {
        const [contender, encoder] = key.split('|');
        return {
          contender: contender === 'writer' ? 'Writer sync (batchSize 1000)' : 'SQS handler (1,000 records)',
          encoder: encoder as string,
          'median ms': median(ms).toFixed(1),
          'msgs/s': Math.round(50_000 / (median(ms) / 1000)).toLocaleString('en-US'),
          'CPU µs/msg': median(cpu).toFixed(2),
        };
      }),
    ),
  );
} finally {
  await cluster?.stop();
}
