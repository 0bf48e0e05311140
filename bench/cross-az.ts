/**
 * The cross-AZ profile of `npm run bench` (alone: `npm run bench:cross-az`): where Lambda really
 * writes, a three-broker cluster (RF 3, min ISR 2, acks=all) a millisecond or two away. Toxiproxy
 * adds `BENCH_XAZ_LATENCY_MS` (default 1) each way between clients and brokers and between
 * followers and leaders, so a produce waits for a replicated round trip as it does on MSK.
 *
 * Like with like: sync calls (kafkajs sendBatch, the Writer sync, kafka-go sync, Confluent's client
 * awaited per call, @platformatic/kafka) in one table, streaming (the Writer async, Java,
 * librdkafka, Confluent's client with every call in flight) in another; one single-message sync
 * write per call for the webhook's shape. A benchmark, not a test: nothing asserts a timing.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { readKafkaConfig } from '../lib/config/kafka-config.ts';
import { RequiredAcks, Writer, type WriterOptions } from '../lib/index.ts';
import { writerOptionsFrom } from '../lib/lambda/warm-writer.ts';
import { PROJECT_ROOT } from '../scripts/kafka/paths.ts';
import { barChart, KIND_COLORS } from './chart.ts';
import { kafkajsContender, platformaticContender, writerContender } from './clients.ts';
import type { Contender } from './contender.ts';
import { startCrossAzCluster } from './cross-az-cluster.ts';
import { table } from './measure.ts';
import { p99DifferenceInterval, roundsWon } from './noise.ts';
import { recordCount } from './offsets.ts';
import { confluentContender } from './peers/confluent.ts';
import { JAVA_PROPS, javaProducer, javaRecordsPerRound } from './peers/java.ts';
import { kafkaGoWriter } from './peers/kafka-go.ts';
import { librdkafka } from './peers/kcat.ts';
import { type Goal, goalsTable, throughputTable } from './report.ts';
import {
  type LatencyRow,
  latencyRow,
  type Measured,
  resultsJson,
  round,
  type ThroughputRow,
  throughputRows,
} from './results.ts';
import { alternatingRounds, turnOrder } from './throughput.ts';
import { keyOf, throughputWorkload } from './workload.ts';

/** Knobs of the profile, from the environment (BENCH_XAZ_*), with BENCH_SKIP shared. */
export interface CrossAzSettings {
  /** Messages per round of the sync-call table. */
  messages: number;
  /**
   * Messages per round of the streamed table: more than the sync table's, since a streamed round
   * of 20,000 lasted ~0.1 s, where librdkafka's measured time (its process start subtracted) moved
   * between 50,730 and 203,310 msgs/s within the hour; at 100,000 two runs agreed within 12 %.
   */
  streamMessages: number;
  valueBytes: number;
  /** Messages per sync call. */
  chunk: number;
  /**
   * Rounds of each table. 15 since 2026-12-03: at 5, a sync row's p99 was its 10th-worst call of
   * 1,000 and a broker pause in one contender's round decided it (the Writer's p99 against
   * @platformatic/kafka's flipped between runs: 23.3 vs 20.2, then 15.6 vs 16.8 at 15 rounds;
   * calls alternating one by one, 6,000 each: 14.8 vs 15.7 ms).
   */
  rounds: number;
  /**
   * Slices of a sync round: the sync contenders take turns every `messages / chunk / slices`
   * calls; at the defaults (200 calls a round) one call each. The cluster's slow spells last
   * several calls (five calls in a row over 15 ms, seen in a scratch run), so in turns of 20 calls
   * one spell fell on one contender and decided its p99 (three runs: the Writer's p99 behind
   * @platformatic/kafka's by 4.5, 5.3 and ahead by 0.2 ms); a call each spreads them.
   */
  syncSlices: number;
  partitions: number;
  latencyMs: number;
  /** Sequential one-message writes per contender. */
  singleWrites: number;
  skip: ReadonlySet<string>;
}

export function readCrossAzSettings(
  env: Record<string, string | undefined> = process.env,
  skip: ReadonlySet<string> = new Set(),
): CrossAzSettings {
  const int = (name: string, fallback: number, min = 1): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min)
      throw new Error(`${name} must be an integer >= ${min}, not "${raw}"`);
    return value;
  };
  return {
    messages: int('BENCH_XAZ_MESSAGES', 20_000),
    streamMessages: int('BENCH_XAZ_STREAM_MESSAGES', 100_000),
    valueBytes: int('BENCH_VALUE_BYTES', 256),
    chunk: int('BENCH_XAZ_CHUNK', 100),
    rounds: int('BENCH_XAZ_ROUNDS', 15),
    syncSlices: int('BENCH_XAZ_SYNC_SLICES', 200),
    partitions: int('BENCH_PARTITIONS', 6),
    latencyMs: int('BENCH_XAZ_LATENCY_MS', 1, 0),
    singleWrites: int('BENCH_XAZ_SINGLE_WRITES', 1000),
    skip,
  };
}

/** What the profile measured, as written to bench/results/cross-az.json. */
export interface CrossAzResults {
  date: string;
  machine: string;
  loadAverage: { before: number[]; after: number[] };
  settings: Omit<CrossAzSettings, 'skip'> & { skip: string[]; cluster: string };
  sync: ThroughputRow[];
  streamed: ThroughputRow[];
  singleWrite: LatencyRow[];
  goals: Goal[];
}

/**
 * The streamed Writer rows batch within the limits librdkafka streams with by default
 * (batch.num.messages 10,000, batch.size 1,000,000 bytes against the Writer's batchBytes of 1 MiB,
 * queue.buffering.max.messages 100,000), and Java's ProducerPerformance here gets batch.size 1 MB:
 * like with like. At batchSize 1000 and the default buffer of 10,000 messages (at most ten batches
 * out at once) the Writer measured 0.77-0.88x librdkafka in five full runs on 2026-12-02/03.
 */
const STREAM_LIMITS = { batchSize: 10_000, maxBufferedMessages: 100_000 };
const STREAM_LIMITS_NOTE = 'batchSize 10,000, batchBytes 1 MiB, maxBufferedMessages 100,000, as librdkafka';

// Below the ephemeral port range (32768+), where a client socket could already hold a port we need.
const BASE_PORT = 29092;
const RESULTS_DIR = join(PROJECT_ROOT, 'bench', 'results');

/**
 * The Writer as the Lambda handlers build it from an environment holding only KAFKA_BROKERS:
 * every other option at the handlers' defaults (idempotent, batchSize 1000, 10 attempts).
 */
function lambdaWriterOptions(brokers: string[]): WriterOptions {
  const { config, problems } = readKafkaConfig({ KAFKA_BROKERS: brokers.join(',') });
  if (problems.length > 0) throw new Error(`Lambda defaults: ${problems.join('; ')}`);
  return writerOptionsFrom(config);
}

/** Runs the profile on a proxied cluster of its own, prints it and writes its results. */
export async function runCrossAzProfile(settings: CrossAzSettings): Promise<CrossAzResults> {
  const loadBefore = loadavg();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(
    `\nCross-AZ profile: 3 brokers behind Toxiproxy, +${settings.latencyMs} ms each way (clients and replication), RF 3, min ISR 2, acks=all; ${settings.messages.toLocaleString('en-US')} × ${settings.valueBytes} B, sync calls of ${settings.chunk}, then ${settings.streamMessages.toLocaleString('en-US')} streamed; ${settings.partitions} partitions; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const xaz = await startCrossAzCluster({
    name: 'bench-xaz',
    basePort: BASE_PORT,
    latencyMs: settings.latencyMs,
  });
  try {
    const { brokers, admin } = xaz;
    const run = `xaz-${Date.now()}`;
    const createTopic = (topic: string) => xaz.createTopic(topic, settings.partitions);
    const probe = await createTopic(`${run}-probe`);
    const single = await createTopic(`${run}-single`);
    const { messages, valueBytes, chunk } = settings;
    const { calls } = throughputWorkload({ messages, valueBytes, chunk });
    const on = (topic: string) => ({ brokers, topic, calls, chunk });
    const alternate = (builders: readonly Builder[], roundMessages: number, slices: number) =>
      measure(admin, builders, {
        ...settings,
        messages: roundMessages,
        slices,
        topicOf: (id) => createTopic(`${run}-${id}`),
      });
    const streamMessages = settings.streamMessages;
    const stream = throughputWorkload({ messages: streamMessages, valueBytes, chunk });
    const onStream = (topic: string) => ({ brokers, topic, calls: stream.calls, chunk });

    const sync = await alternate(
      [
        ['kafkajs', (topic) => kafkajsContender(on(topic))],
        [
          'writer-lambda',
          (topic) =>
            writerContender(on(topic), {
              id: 'writer-lambda',
              name: 'Writer sync (the Lambda handlers’ defaults)',
              note: 'idempotent, batchSize 1000, as readKafkaConfig builds it from KAFKA_BROKERS alone',
              options: lambdaWriterOptions(brokers),
            }),
        ],
        [
          'kafka-go',
          (topic) => kafkaGoWriter({ brokers, topic, messages, valueBytes, chunk, batchTimeout: '50us' }),
        ],
        ['confluent', (topic) => confluentContender(on(topic), 'sync')],
        ['platformatic', (topic) => platformaticContender(on(topic))],
      ],
      messages,
      settings.syncSlices,
    );
    const streamed = await alternate(
      [
        [
          'writer-async',
          (topic) =>
            writerContender(onStream(topic), {
              id: 'writer-async',
              name: 'Writer async + flush, librdkafka’s batch limits',
              note: STREAM_LIMITS_NOTE,
              batchSize: STREAM_LIMITS.batchSize,
              async: true,
              options: { maxBufferedMessages: STREAM_LIMITS.maxBufferedMessages },
            }),
        ],
        [
          'writer-async-1',
          (topic) =>
            writerContender(onStream(topic), {
              id: 'writer-async-1',
              name: 'Writer async + flush, librdkafka’s batch limits, 1 request per partition',
              note: 'maxInFlightPerPartition 1: the Writer before pipelining',
              batchSize: STREAM_LIMITS.batchSize,
              async: true,
              options: { maxBufferedMessages: STREAM_LIMITS.maxBufferedMessages, maxInFlightPerPartition: 1 },
            }),
        ],
        [
          'writer-async-1000',
          (topic) =>
            writerContender(onStream(topic), {
              id: 'writer-async-1000',
              name: 'Writer async + flush, batchSize 1000',
              note: 'the table’s Writer row until 2026-12-03: buffer at its default (10,000 messages)',
              batchSize: 1000,
              async: true,
            }),
        ],
        [
          'java',
          (topic) =>
            javaProducer({
              brokers,
              topic,
              probeTopic: probe,
              messages: streamMessages,
              valueBytes,
              props: JAVA_PROPS,
            }),
        ],
        [
          'librdkafka',
          (topic) => librdkafka({ brokers, topic, probeTopic: probe, messages: streamMessages, valueBytes }),
        ],
        ['confluent-streamed', (topic) => confluentContender(onStream(topic), 'streamed')],
      ],
      streamMessages,
      1, // kcat and Java run a process per round: a stream has no slices
    );

    const singleWrite = await singleWrites(brokers, single, settings);
    const created = (await admin.listTopics()).filter((t) => t.startsWith(run));
    await admin.deleteTopics({ topics: created }).catch(() => undefined);

    const loadAfter = loadavg();
    console.log('\nCross-AZ, sync calls (time vs kafkajs sendBatch):\n');
    console.log(throughputTable(sync, sync[0]?.id ?? 'kafkajs'));
    console.log('\nCross-AZ, streamed (the Writer async as the baseline of this table):\n');
    console.log(throughputTable(streamed, streamed[0]?.id ?? 'writer-async'));
    console.log(`\nCross-AZ, one message per sync call, sequential (${settings.singleWrites} each):\n`);
    console.log(
      table(
        singleWrite.map((r) => ({
          contender: r.contender,
          'p50 ms': r.p50Ms.toFixed(2),
          'p99 ms': r.p99Ms.toFixed(2),
          'mean ms': r.meanMs.toFixed(2),
        })),
      ),
    );
    const goals = crossAzGoals(sync, streamed, singleWrite);
    console.log(`\nCross-AZ goals:\n${goalsTable(goals)}`);
    console.log(
      `\nLoad average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
    );
    const results: CrossAzResults = {
      date: new Date().toISOString(),
      machine,
      loadAverage: { before: loadBefore, after: loadAfter },
      settings: {
        ...settings,
        skip: [...settings.skip],
        cluster: `3 brokers, RF 3, min ISR 2, Toxiproxy latency ${settings.latencyMs} ms each way`,
      },
      sync,
      streamed,
      singleWrite,
      goals,
    };
    await writeFile(join(RESULTS_DIR, 'cross-az.json'), resultsJson(results));
    await writeFile(join(RESULTS_DIR, 'cross-az.svg'), crossAzChart(results));
    console.log('Wrote bench/results/cross-az.json, cross-az.svg');
    return results;
  } finally {
    await xaz.stop();
  }
}

/**
 * The issue's goal: the Writer ahead of every peer in its mode, in throughput and, for sync calls,
 * in p99 per call (a stream has no calls). A peer that was skipped is simply not compared.
 */
export function crossAzGoals(
  sync: readonly ThroughputRow[],
  streamed: readonly ThroughputRow[],
  singleWrite: readonly LatencyRow[] = [],
): Goal[] {
  const goals: Goal[] = [];
  const compare = (writerId: string, rows: readonly ThroughputRow[], withP99: boolean) => {
    const writer = rows.find((r) => r.id === writerId);
    if (writer) {
      goals.push({
        goal: `${writerId} delivered everything it acknowledged`,
        measured: `${writer.undelivered ?? 0} missing`,
        met: (writer.undelivered ?? 0) === 0,
      });
    }
    // Peers only: another Writer row (the one-request-per-partition variant) is not a goal.
    for (const peer of rows) {
      if (peer.id === writerId || peer.kind === 'writer') continue;
      if (!writer) {
        goals.push({ goal: `${writerId} ahead of ${peer.id}`, measured: 'not run', met: null });
        continue;
      }
      const fmt = (n: number) => n.toLocaleString('en-US');
      if (peer.undelivered) {
        goals.push({
          goal: `${peer.id} delivered what it acknowledged`,
          measured: `${peer.undelivered} missing`,
          met: false,
        });
      }
      goals.push({
        goal: `${writerId} msgs/s >= ${peer.id}`,
        measured: `${fmt(writer.msgsPerSec)} vs ${fmt(peer.msgsPerSec)} (${round(writer.msgsPerSec / peer.msgsPerSec, 2)}x)`,
        met: writer.msgsPerSec >= peer.msgsPerSec,
        beyondNoise: roundsVerdict(writer.roundsMs, peer.roundsMs),
      });
      if (withP99 && writer.p99Ms !== null && peer.p99Ms !== null) {
        goals.push(
          p99Goal(
            `${writerId} p99 per call <= ${peer.id}`,
            { p99Ms: writer.p99Ms, callMs: writer.callMs },
            { p99Ms: peer.p99Ms, callMs: peer.callMs },
          ),
        );
      }
    }
  };
  compare('writer-lambda', sync, true);
  compare('writer-async', streamed, false);
  // One message per call, the webhook's shape: only kafkajs' `send` runs beside the Writer.
  const single = singleWrite.find((r) => r.id === 'writer-lambda');
  const kafkajsSend = singleWrite.find((r) => r.id === 'kafkajs-send');
  if (single && kafkajsSend)
    goals.push(p99Goal('writer-lambda single write p99 <= kafkajs-send', single, kafkajsSend));
  return goals;
}

/** A p99 goal: met on the two p99s, with a noise verdict when both sides kept their call samples. */
function p99Goal(
  goal: string,
  mine: { p99Ms: number; callMs?: readonly number[] | undefined },
  theirs: { p99Ms: number; callMs?: readonly number[] | undefined },
): Goal {
  return {
    goal,
    measured: `${mine.p99Ms} vs ${theirs.p99Ms} ms`,
    met: mine.p99Ms <= theirs.p99Ms,
    ...(mine.callMs && theirs.callMs ? { beyondNoise: p99Verdict(mine.callMs, theirs.callMs) } : {}),
  };
}

/**
 * A throughput difference is beyond noise when the sign test over paired rounds says p < 0.05;
 * the verdict says which way, since `met` comes from the medians and the rounds could disagree.
 */
function roundsVerdict(mineMs: readonly number[], theirsMs: readonly number[]): string {
  const { won, lost, pValue } = roundsWon(mineMs, theirsMs);
  const split = `faster in ${won} of ${won + lost} rounds, p ${pValue < 0.001 ? '< 0.001' : pValue.toFixed(3)}`;
  if (pValue >= 0.05) return `no (${split})`;
  return `yes, ${won > lost ? 'ahead' : 'behind'} (${split})`;
}

/** A p99 difference is beyond noise when its 95 % bootstrap interval excludes zero. */
function p99Verdict(mine: readonly number[], theirs: readonly number[]): string {
  const { low, high, paired } = p99DifferenceInterval(mine, theirs);
  const signed = (n: number) => `${n > 0 ? '+' : ''}${n.toFixed(2)}`;
  const interval = `95 % interval of the difference ${signed(low)} to ${signed(high)} ms${paired ? '' : ', unpaired'}`;
  if (high < 0) return `yes, ahead (${interval})`;
  if (low > 0) return `yes, behind (${interval})`;
  return `no (${interval})`;
}

/**
 * Acknowledged records not in the topic. A partition's high watermark can lag for a moment on a
 * leader elected during the run (it learns the committed offset from its followers' next fetch),
 * so a shortfall counts only if it is still there after the watermarks had 5 s to settle.
 */
async function missingRecords(
  admin: ReturnType<Kafka['admin']>,
  topic: string,
  expected: number,
): Promise<number> {
  const missing = expected - (await recordCount(admin, topic));
  if (missing === 0) return 0;
  await new Promise((resolve) => setTimeout(resolve, 5000));
  return expected - (await recordCount(admin, topic));
}

type Builder = [id: string, build: (topic: string) => Promise<Contender> | Contender];

/**
 * Alternating rounds of the contenders not skipped, each writing a topic of its own, so that a
 * client that acknowledges records it did not deliver is named: its row says how many are missing
 * (a peer's shortfall is reported, not fatal; the goals count the Writer's).
 */
async function measure(
  admin: ReturnType<Kafka['admin']>,
  builders: readonly Builder[],
  settings: CrossAzSettings & { slices: number; topicOf: (id: string) => Promise<string> },
): Promise<ThroughputRow[]> {
  const contenders: Array<{ contender: Contender; topic: string }> = [];
  for (const [id, build] of builders) {
    if (settings.skip.has(id)) continue;
    const topic = await settings.topicOf(id);
    contenders.push({ contender: await build(topic), topic });
  }
  if (contenders.length === 0) return [];
  const turns = settings.slices > 1 ? `rounds, taking turns in ${settings.slices} slices of each` : 'rounds';
  console.log(`Running ${contenders.map((c) => c.contender.id).join(', ')} in alternating ${turns}...`);
  const measured = await alternatingRounds(
    contenders.map((c) => c.contender),
    settings.rounds,
    settings.messages,
    undefined,
    settings.slices,
  );
  for (const [i, { contender, topic }] of contenders.entries()) {
    const perRound = contender.id === 'java' ? javaRecordsPerRound(settings.messages) : settings.messages;
    const missing = await missingRecords(admin, topic, perRound * (settings.rounds + 1));
    const m = measured[i] as Measured;
    m.undelivered = missing;
    if (missing !== 0)
      m.note = `${m.note ? `${m.note}; ` : ''}${missing} acknowledged records missing from its topic`;
  }
  // The first contender listed is the table's baseline: kafkajs for sync calls, the Writer async for streams.
  return throughputRows(measured, {
    messages: settings.messages,
    payloadBytes: throughputWorkload(settings).payloadBytes,
    baselineId: contenders[0]?.contender.id,
  });
}

/** One message per awaited call: the webhook's shape, where each write waits for the ISR. */
async function singleWrites(
  brokers: string[],
  topic: string,
  settings: CrossAzSettings,
): Promise<LatencyRow[]> {
  const value = Buffer.alloc(settings.valueBytes, 'x');
  const message = (i: number) => ({ key: keyOf(i), value });
  const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const writer = new Writer({ ...lambdaWriterOptions(brokers), topic });
  await writer.connect();
  const senders: Array<[id: string, name: string, send: (i: number) => Promise<unknown>]> = [
    [
      'kafkajs-send',
      'kafkajs send',
      (i) => producer.send({ topic, acks: RequiredAcks.All, messages: [message(i)] }),
    ],
    ['writer-lambda', 'Writer sync (Lambda defaults)', (i) => writer.writeMessages([message(i)])],
  ];
  const samples = senders.map(() => [] as number[]);
  try {
    // Warm: 60 writes each reach every partition's leader, so no timed write opens a connection.
    for (const [, , send] of senders) for (let i = 0; i < 60; i++) await send(i);
    for (let i = 0; i < settings.singleWrites; i++) {
      // Each goes first in every other turn, so neither always follows the other's request.
      for (const j of turnOrder(senders.length, i)) {
        const [, , send] = senders[j] as (typeof senders)[number];
        const start = performance.now();
        await send(i);
        samples[j]?.push(performance.now() - start);
      }
    }
  } finally {
    await Promise.allSettled([producer.disconnect(), writer.close()]);
  }
  let baseline: number | undefined;
  return senders.map(([id, name], j) => {
    const row = latencyRow(id, name, samples[j] ?? [], baseline);
    baseline ??= row.meanMs;
    return row;
  });
}

function crossAzChart(results: CrossAzResults): string {
  const bars = [...results.sync, ...results.streamed].map((r) => ({
    label: r.contender,
    value: r.msgsPerSec,
    annotation: `${r.msgsPerSec.toLocaleString('en-US')}${r.p99Ms === null ? '' : `  (p99 ${round(r.p99Ms, 1)} ms)`}`,
    color: KIND_COLORS[r.kind],
  }));
  return barChart({
    title: `Cross-AZ: +${results.settings.latencyMs} ms each way, RF 3, min ISR 2, acks=all, ${results.settings.valueBytes} B messages`,
    subtitle: `${results.machine}; ${results.date.slice(0, 10)}; ${results.settings.messages.toLocaleString('en-US')} in sync calls of ${results.settings.chunk}, then ${results.settings.streamMessages.toLocaleString('en-US')} streamed`,
    unit: 'messages / s (higher is better)',
    bars,
  });
}
