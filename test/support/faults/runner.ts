import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import type { LocalKafkaCluster } from '../../../scripts/kafka/broker.ts';
import type { ProxiedKafkaCluster } from '../../../scripts/toxiproxy/proxied-cluster.ts';
import { consumeWithKcat, type KcatRecord } from '../kcat.ts';
import { createTopic } from '../topics.ts';
import { bodyFor, type FaultReport, idOfBody, Ledger } from './ledger.ts';
import { MemoryQueue } from './memory-queue.ts';
import { runMotoPath } from './moto-path.ts';
import { feed, PATHS, type PathName, runLanes, type Sink, sqsHandlerSink, writerSink } from './paths.ts';
import type { FaultOutcome, Scenario } from './scenarios.ts';

export interface ScenarioRunOptions {
  cluster: LocalKafkaCluster;
  scenario: Scenario;
  paths: readonly PathName[];
  /** Messages per path (N). */
  messages: number;
  /** Messages on the moto path, whose SQS costs O(queue depth) per call. */
  motoMessages: number;
  /** moto's endpoint; required when `paths` includes sqs-moto. */
  motoEndpoint?: string;
  /** How long messages keep arriving at each source. */
  spreadMs: number;
  /** Concurrent invocations per in-process path. @default 2 */
  lanes?: number;
  /** @default 200 */
  messageBytes?: number;
  /** Paths give up this long after the start; what is left counts as failed back. @default 300_000 */
  capMs?: number;
  /**
   * The cluster behind Toxiproxy, for network faults: the paths bootstrap from its proxies, while
   * topics are created and read back over the direct listeners, out of the faults' way.
   */
  network?: ProxiedKafkaCluster;
}

/** Records per invocation: about a hundred invocations per path, within SQS's 10..10,000. */
function batchSizeFor(messages: number): number {
  return Math.min(1000, Math.max(10, Math.round(messages / 100)));
}

/**
 * Runs one scenario: every path at once, each on a topic of its own (3 partitions, RF 3, acks=all
 * against min.insync.replicas 2), each fed N uniquely numbered messages over `spreadMs` while the
 * fault happens; then reads every topic back with kcat and settles each path's books.
 */
/** Each path's report, and what the fault did. */
export interface ScenarioResult {
  reports: FaultReport[];
  fault: FaultOutcome;
}

export async function runScenario(options: ScenarioRunOptions): Promise<ScenarioResult> {
  const { cluster, scenario, messages } = options;
  const brokers = cluster.brokers;
  const messageBytes = options.messageBytes ?? 200;
  const lanes = options.lanes ?? 2;
  const topics = await Promise.all(
    options.paths.map(() => createTopic(brokers, { partitions: 3, replicationFactor: 3 })),
  );
  const ledgers = options.paths.map(
    (path) => new Ledger(scenario.name, path, path === PATHS.sqsMoto ? options.motoMessages : messages),
  );
  const startedAt = Date.now();
  const stopAt = startedAt + (options.capMs ?? 300_000);
  const finished = new AbortController();
  const sinks: Sink[] = [];

  const clientBrokers = options.network?.brokers ?? brokers;
  const fault = scenario.inject({
    cluster,
    ...(options.network ? { network: options.network } : {}),
    topic: topics[0] as string,
    startedAt,
    spreadMs: options.spreadMs,
    finished: finished.signal,
  });
  const failedBack = await Promise.all(
    options.paths.map(async (path, p): Promise<string[]> => {
      const ledger = ledgers[p] as Ledger;
      const target = { brokers: clientBrokers, topic: topics[p] as string, ledger };
      const releaseAtMs = (i: number) => scenario.releaseAtMs(i, ledger.ids.length, options.spreadMs);
      if (path === PATHS.sqsMoto) {
        if (!options.motoEndpoint) throw new Error('the sqs-moto path needs motoEndpoint');
        return runMotoPath({
          ...target,
          endpoint: options.motoEndpoint,
          messageBytes,
          releaseAtMs,
          startedAt,
          invocationTimeoutMs: scenario.invocationTimeoutMs,
          maxReceiveCount: scenario.maxReceiveCount,
          stopAt,
        });
      }
      const queue = new MemoryQueue({
        visibilityTimeoutMs: scenario.invocationTimeoutMs + 1_000,
        maxReceiveCount: scenario.maxReceiveCount,
      });
      const feeding = feed(
        (ids) => {
          for (const id of ids) queue.send(id, bodyFor(id, messageBytes));
        },
        ledger.ids,
        releaseAtMs,
        startedAt,
      ).then(() => queue.endOfFeed());
      // The direct Writer is one object shared by its callers; each SQS lane is its own container.
      const shared =
        path === PATHS.sqsHandler
          ? undefined
          : writerSink(target, path === PATHS.writerNotIdempotent ? { idempotent: false } : {});
      if (shared) sinks.push(shared);
      await runLanes(
        queue,
        ledger,
        () => {
          if (shared) return shared;
          const sink = sqsHandlerSink(target);
          sinks.push(sink);
          return sink;
        },
        {
          lanes,
          batchSize: batchSizeFor(ledger.ids.length),
          batchWindowMs: 200,
          invocationTimeoutMs: scenario.invocationTimeoutMs,
          stopAt,
        },
      );
      await feeding;
      const left = queue.remaining();
      ledger.note(`${path}: ${queue.deadLetters.size} in the DLQ, ${left.length} left in the queue`);
      return [...queue.deadLetters, ...left];
    }),
  ).finally(() => finished.abort());
  const outcome = await fault;
  await Promise.all(sinks.map((sink) => sink.close()));

  const reports = await Promise.all(
    ledgers.map(async (ledger, p) => {
      const consumed = await readBack(brokers, topics[p] as string);
      ledger.note(outcome.note);
      return ledger.settle(
        consumed.map((r) => idOfBody(r.value)),
        failedBack[p] as string[],
      );
    }),
  );
  return { reports, fault: outcome };
}

/**
 * Every record of the topic, as kcat reads it. A partition kcat cannot read (no leader yet after
 * the fault) must not pass for lost messages, so the read is repeated until kcat's count matches
 * each partition's committed size (high watermark - log start) from the brokers.
 */
async function readBack(brokers: string[], topic: string): Promise<KcatRecord[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    let problem: string;
    try {
      const sizes = await partitionSizes(brokers, topic);
      const records = await consumeWithKcat(brokers, topic, { timeoutMs: 30_000 });
      const read = new Map<number, number>();
      for (const r of records) read.set(r.partition, (read.get(r.partition) ?? 0) + 1);
      const short = [...sizes].filter(([partition, size]) => (read.get(partition) ?? 0) !== size);
      if (short.length === 0) return records;
      problem = short
        .map(([p, size]) => `partition ${p}: kcat read ${read.get(p) ?? 0} of ${size}`)
        .join(', ');
    } catch (error) {
      problem = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`could not read ${topic} back: ${problem}`);
    await sleep(1_000);
  }
}

/** Committed records per partition, from the brokers' own offsets. */
async function partitionSizes(brokers: string[], topic: string): Promise<Map<number, number>> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high) - Number(o.low)]));
  } finally {
    await admin.disconnect();
  }
}
