/**
 * `npm run bench`: starts a broker of its own, then measures in one run, on the same broker with
 * the same workload: raw kafkajs (the baseline), the Writer, the SQS and webhook Lambda paths,
 * peer clients (kafka-go's Writer, the Java producer, librdkafka, @platformatic/kafka), and warm
 * invocations against connect-per-invocation. Then the cross-AZ profile (bench/cross-az.ts: a
 * proxied three-broker cluster, 1 ms each way; BENCH_SKIP=cross-az leaves it out) and the schema
 * profile (bench/schema.ts: raw JSON vs Avro, JSON Schema, Protobuf; BENCH_SKIP=schema). Prints tables
 * and goals, writes bench/results/latest.json, cross-az.json and SVG charts. A benchmark, not a test: nothing asserts a timing.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { clearContainerWarmWriter } from '../lib/lambda/container.ts';
import { LocalKafkaCluster } from '../scripts/kafka/broker.ts';
import { LOCAL_SASL_USERS } from '../scripts/kafka/config.ts';
import { PROJECT_ROOT } from '../scripts/kafka/paths.ts';
import { ensureTlsMaterial } from '../scripts/kafka/tls.ts';
import { processCpuClock } from './broker-cpu.ts';
import { barChart, KIND_COLORS } from './chart.ts';
import { kafkajsContender, platformaticContender, writerContender } from './clients.ts';
import type { Contender } from './contender.ts';
import { readCrossAzSettings, runCrossAzProfile } from './cross-az.ts';
import { oneMessagePerCall, type SecureListener } from './invocations.ts';
import { bigSqsInvocations, sqsContender } from './lambda-paths.ts';
import { expectDelivered } from './offsets.ts';
import { JAVA_PROPS, javaProducer, javaRecordsPerRound } from './peers/java.ts';
import { kafkaGoWriter } from './peers/kafka-go.ts';
import { librdkafka } from './peers/kcat.ts';
import { goalsTable, judgeGoals, latencyTable, throughputTable } from './report.ts';
import { type Measured, resultsJson, round, throughputRows } from './results.ts';
import { runSchemaProfile } from './schema.ts';
import { readSettings } from './settings.ts';
import { alternatingRounds } from './throughput.ts';
import { throughputWorkload } from './workload.ts';

const settings = readSettings();
/** Chart labels for the one-message rows, whose table names are long. */
const SHORT_LABELS: Record<string, string> = {
  'kafkajs-send': 'kafkajs send (baseline)',
  writer: 'Writer, warm',
  'webhook-handler': 'webhook handler, warm',
  'platformatic-send': '@platformatic/kafka send',
  'writer-tls': 'Writer, warm, TLS + SCRAM',
  'connect-per-invocation': 'kafkajs connect-per-invocation',
  'writer-per-invocation': 'Writer connect-per-invocation',
  'connect-per-invocation-tls': 'kafkajs connect-per-invocation, TLS + SCRAM',
};

const RESULTS_DIR = join(PROJECT_ROOT, 'bench', 'results');
const started = performance.now();
const loadBefore = loadavg();
const skipped = (id: string) => settings.skip.has(id);

// BENCH_BROKERS points at a running broker instead (iterating without a 20 s broker start).
const cluster = settings.brokers
  ? undefined
  : await LocalKafkaCluster.start({ name: 'bench', nodeCount: 1, basePort: 35092 });
try {
  const brokers = settings.brokers ?? (cluster as LocalKafkaCluster).brokers;
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const run = `bench-${Date.now()}`;
  const topics = { throughput: run, single: `${run}-single`, sqs: `${run}-sqs`, probe: `${run}-probe` };
  await admin.createTopics({
    topics: Object.values(topics).map((topic) => ({
      topic,
      numPartitions: settings.partitions,
      replicationFactor: 1,
    })),
    waitForLeaders: true,
  });

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const workload = throughputWorkload(settings);
  const { messages, valueBytes, chunk, rounds, partitions } = settings;
  const topic = topics.throughput;
  console.log(`Machine: ${machine}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(
    `Throughput: ${messages.toLocaleString('en-US')} messages × ${valueBytes} B (keys key-0..key-999), calls of ${chunk}, ${partitions} partitions, acks=all, 1 broker; warm-up round, then median of ${rounds}\n`,
  );

  // In-process contenders, alternating within each round.
  const target = { brokers, topic, calls: workload.calls, chunk };
  const builders: Array<[string, () => Promise<Contender> | Contender]> = [
    ['kafkajs', () => kafkajsContender(target)],
    [
      'writer',
      () =>
        writerContender(target, { id: 'writer', name: `Writer sync (batchSize ${chunk})`, batchSize: chunk }),
    ],
    [
      'writer-defaults',
      () =>
        writerContender(target, {
          id: 'writer-defaults',
          name: 'Writer sync (defaults: batchSize 100)',
          note: "kafka-go's default batchSize: ten partition batches per call per partition set",
        }),
    ],
    [
      'writer-async',
      () =>
        writerContender(target, {
          id: 'writer-async',
          name: `Writer async (batchSize ${chunk}) + flush`,
          batchSize: chunk,
          async: true,
        }),
    ],
    ['sqs-handler', () => sqsContender({ brokers, topic, messages, valueBytes, chunk })],
    ['platformatic', () => platformaticContender(target)],
    ['kafka-go', () => kafkaGoWriter({ brokers, topic, messages, valueBytes, chunk, batchTimeout: '1ms' })],
    [
      // A sync call's partition batches (~167 messages here) never fill BatchSize, so each waits
      // out BatchTimeout; kafka-go at its fastest for sync calls is this row, and the goal is
      // judged against the faster of the two.
      'kafka-go-50us',
      () =>
        kafkaGoWriter({
          id: 'kafka-go-50us',
          brokers,
          topic,
          messages,
          valueBytes,
          chunk,
          batchTimeout: '50us',
          note: 'partition batches of a call (~167 messages) go out after 50 µs instead of waiting 1 ms',
        }),
    ],
    [
      'java',
      () =>
        javaProducer({
          brokers,
          topic,
          probeTopic: topics.probe,
          messages,
          valueBytes,
          props: process.env.BENCH_JAVA_PROPS?.split(' ').filter(Boolean) ?? JAVA_PROPS,
        }),
    ],
    ['librdkafka', () => librdkafka({ brokers, topic, probeTopic: topics.probe, messages, valueBytes })],
  ];
  const contenders: Contender[] = [];
  for (const [id, build] of builders) if (!skipped(id)) contenders.push(await build());
  console.log(`Running ${contenders.map((c) => c.id).join(', ')} in alternating rounds...`);
  const recordsPerRound = (id: string) => (id === 'java' ? javaRecordsPerRound(messages) : messages);
  // The broker's CPU per message, when the bench runs it (not with BENCH_BROKERS).
  const brokerPid = await cluster?.pidOf(1);
  const brokerCpu = brokerPid ? { clock: processCpuClock(brokerPid), recordsPerRound } : undefined;
  const measured: Measured[] = await expectDelivered(
    admin,
    topic,
    contenders.reduce((sum, c) => sum + recordsPerRound(c.id), 0) * (rounds + 1),
    'alternating contenders',
    () => alternatingRounds(contenders, rounds, messages, brokerCpu),
  );

  const sqsInvocationMs: number[] = [];
  if (!skipped('sqs-10k')) {
    console.log(`Running ${settings.sqsRecords}-record SQS invocations...`);
    const times = await expectDelivered(
      admin,
      topics.sqs,
      settings.sqsRecords * (settings.sqsInvocations + 1),
      'SQS invocations',
      () =>
        bigSqsInvocations({
          brokers,
          topic: topics.sqs,
          records: settings.sqsRecords,
          valueBytes,
          invocations: settings.sqsInvocations,
        }),
    );
    sqsInvocationMs.push(...times);
  }

  console.log('Running one message per call and connect-per-invocation...\n');
  const latency = await oneMessagePerCall({
    brokers,
    ...(await secureListener(cluster)),
    topic: topics.single,
    writes: settings.singleWrites,
    coldInvocations: settings.coldInvocations,
    valueBytes,
    skip: settings.skip,
  });
  await clearContainerWarmWriter();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();

  const throughput = throughputRows(measured, { messages, payloadBytes: workload.payloadBytes });
  const goals = judgeGoals({
    throughput,
    latency,
    sqsInvocationMs,
    sqsRecords: settings.sqsRecords,
    writerId: 'writer',
  });
  const loadAfter = loadavg();
  const totalSeconds = round((performance.now() - started) / 1000, 1);

  console.log(throughputTable(throughput));
  console.log(
    `\nOne message per call, sequential (${settings.singleWrites} warm calls each, ${settings.coldInvocations} connect-per-invocation):\n`,
  );
  console.log(latencyTable(latency));
  if (sqsInvocationMs.length > 0) {
    console.log(
      `\n${settings.sqsRecords}-record SQS invocations (handler call -> partial batch response): ${sqsInvocationMs.map((t) => t.toFixed(0)).join(', ')} ms`,
    );
  }
  console.log(`\nGoals:\n${goalsTable(goals)}`);
  console.log(
    `\nLoad average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}; ${totalSeconds} s in all.`,
  );

  const results = {
    date: new Date().toISOString(),
    machine,
    loadAverage: { before: loadBefore, after: loadAfter },
    totalSeconds,
    settings: {
      ...settings,
      skip: [...settings.skip],
      brokers: settings.brokers ?? 'own broker, 127.0.0.1:35092',
    },
    throughput,
    latency,
    sqsInvocations: { records: settings.sqsRecords, ms: sqsInvocationMs.map((t) => round(t, 1)) },
    goals,
  };
  await writeFile(join(RESULTS_DIR, 'latest.json'), resultsJson(results));
  await writeFile(
    join(RESULTS_DIR, 'throughput.svg'),
    barChart({
      title: `Throughput: ${messages.toLocaleString('en-US')} × ${valueBytes} B, acks=all, ${partitions} partitions, 1 local broker`,
      subtitle: `${machine}; ${results.date.slice(0, 10)}; bar label: time vs raw kafkajs`,
      unit: 'messages / s (higher is better)',
      bars: throughput.map((r) => ({
        label: r.contender,
        value: r.msgsPerSec,
        annotation: `${r.msgsPerSec.toLocaleString('en-US')}  (${r.ratioToKafkajs.toFixed(2)}x)`,
        color: KIND_COLORS[r.kind],
      })),
    }),
  );
  await writeFile(
    join(RESULTS_DIR, 'invocations.svg'),
    barChart({
      title: 'One message per invocation: mean time, sequential',
      subtitle: `${machine}; ${results.date.slice(0, 10)}`,
      unit: 'ms per call (lower is better)',
      log: true,
      bars: latency.map((r) => ({
        label: SHORT_LABELS[r.id] ?? r.contender,
        value: r.meanMs,
        annotation: `${r.meanMs} ms`,
        color: r.id.includes('per-invocation')
          ? KIND_COLORS.bad
          : r.id.startsWith('kafkajs')
            ? KIND_COLORS.baseline
            : r.id.startsWith('webhook')
              ? KIND_COLORS.lambda
              : r.id.startsWith('platformatic')
                ? KIND_COLORS.peer
                : KIND_COLORS.writer,
      })),
    }),
  );
  console.log('Wrote bench/results/latest.json, throughput.svg, invocations.svg');
} finally {
  await cluster?.stop();
}

// The same clients where Lambda really writes: three brokers a replicated round trip away.
if (!skipped('cross-az')) await runCrossAzProfile(readCrossAzSettings(process.env, settings.skip));
if (!skipped('schema')) await runSchemaProfile();

/**
 * The SASL_SSL listener of our broker, or of the one BENCH_SASL_SSL_BROKERS names (with the
 * project's local CA and SCRAM user); none when BENCH_BROKERS is set without it.
 */
async function secureListener(own: LocalKafkaCluster | undefined): Promise<{ secure?: SecureListener }> {
  const given = process.env.BENCH_SASL_SSL_BROKERS?.split(',').filter(Boolean);
  if (!own && !given) return {};
  const { caPemPath } = own?.tls ?? (await ensureTlsMaterial());
  const { username, password } = LOCAL_SASL_USERS.scram;
  return {
    secure: {
      brokers: given ?? (own as LocalKafkaCluster).saslSslBrokers,
      caPem: await readFile(caPemPath, 'utf8'),
      username,
      password,
    },
  };
}
