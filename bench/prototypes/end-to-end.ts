/**
 * `npm run bench:encoding:end-to-end`: the Writer and the SQS handler on a real broker, each in
 * its own process with kafkajs' encoder and with the prototype one (install-fast-produce.ts),
 * rounds alternating between the four: the gain lib/ would see, in time and in CPU per message.
 */
import { Kafka, logLevel } from 'kafkajs';
import { LocalKafkaCluster } from '../../scripts/kafka/broker.ts';
import { median, table } from '../measure.ts';
import { remoteContender } from '../remote-contender.ts';
import { alternatingRounds } from '../throughput.ts';
import { childArgs } from './proposed.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const MESSAGES = 50_000;
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

  const cpu = new Map<string, number[]>();
  const contenders = [];
  for (const contender of ['writer', 'sqs'] as const) {
    for (const prototype of [false, true]) {
      const id = `${contender}|${prototype ? 'prototype' : 'kafkajs'}`;
      cpu.set(id, []);
      contenders.push(
        await remoteContender({
          id,
          name: id,
          kind: contender === 'writer' ? 'writer' : 'lambda',
          command: process.execPath,
          args: childArgs({
            contender,
            prototype,
            brokers,
            topic,
            messages: MESSAGES,
            valueBytes: 256,
            chunk: 1000,
          }),
          onAnswer: (answer) => cpu.get(id)?.push(Number(answer.cpuMicrosPerMessage)),
        }),
      );
    }
  }
  const measured = await alternatingRounds(contenders, ROUNDS, MESSAGES);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();

  console.log(
    `50,000 × 256 B in calls (invocations) of 1,000, acks=all, 6 partitions; median of ${ROUNDS} rounds\n`,
  );
  console.log(
    table(
      measured.map((m) => {
        const [contender, encoder] = m.id.split('|');
        const ms = median(m.roundsMs);
        return {
          contender: contender === 'writer' ? 'Writer sync (batchSize 1000)' : 'SQS handler (1,000 records)',
          encoder: encoder as string,
          'median ms': ms.toFixed(1),
          'msgs/s': Math.round(MESSAGES / (ms / 1000)).toLocaleString('en-US'),
          // The warm-up round's CPU (JIT, connecting) is left out.
          'CPU µs/msg': median((cpu.get(m.id) ?? []).slice(1)).toFixed(2),
        };
      }),
    ),
  );
} finally {
  await cluster?.stop();
}
