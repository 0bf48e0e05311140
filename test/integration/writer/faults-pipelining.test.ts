import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BrokerError, type Message, type WriteAbortedError, Writer } from '../../../lib/index.ts';
import { KafkaJsTransport, transportConfigFrom } from '../../../lib/writer/kafkajs-transport.ts';
import { resolveWriterConfig, type WriterOptions } from '../../../lib/writer/options.ts';
import type { PartitionBatch, ProduceOptions, ProduceResult } from '../../../lib/writer/transport.ts';
import type { ProxiedKafkaCluster } from '../../../scripts/toxiproxy/proxied-cluster.ts';
import { byKey } from '../../support/delivery-ledger.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { moveLeadership } from '../../support/leadership.ts';
import { useProxiedCluster } from '../../support/proxied-cluster.ts';
import { createTopic } from '../../support/topics.ts';

// Issue 12: faults while five produce requests per partition are out. Three brokers of this
// file's own behind Toxiproxy (RF 3, min.insync.replicas 2), 15 ms added each way between the
// Writer and the brokers so that a streaming Writer keeps its pipelines full.
const cluster = useProxiedCluster({ name: 'faults-pipelining', nodeCount: 3, basePort: 26092 });

const PARTITIONS = [0, 1, 2];

/** The real kafkajs transport, noting the most batches of each partition it held at once. */
class InFlightCounter extends KafkaJsTransport {
  readonly most = new Map<number, number>();
  private readonly now = new Map<number, number>();

  override async produce(batch: PartitionBatch, options: ProduceOptions): Promise<ProduceResult> {
    const count = (this.now.get(batch.partition) ?? 0) + 1;
    this.now.set(batch.partition, count);
    this.most.set(batch.partition, Math.max(count, this.most.get(batch.partition) ?? 0));
    try {
      return await super.produce(batch, options);
    } finally {
      this.now.set(batch.partition, (this.now.get(batch.partition) ?? 1) - 1);
    }
  }
}

/** What the Writer's completion callback said about each message. */
class Verdicts {
  readonly acknowledged = new Set<string>();
  readonly notDelivered = new Set<string>();
  readonly maybeDelivered = new Set<string>();
  readonly failures = new Map<string, number>();

  record = (messages: Message[], error?: Error): void => {
    let into = this.acknowledged;
    if (error) {
      const maybe = (error as BrokerError | WriteAbortedError).mayBeDelivered === true;
      into = maybe ? this.maybeDelivered : this.notDelivered;
      const code = error instanceof BrokerError ? error.code : error.name;
      const key = `${code} (${maybe ? 'maybe' : 'not delivered'})`;
      this.failures.set(key, (this.failures.get(key) ?? 0) + messages.length);
    }
    for (const m of messages) into.add(String(m.value));
  };
}

/**
 * An async idempotent Writer streaming numbered messages to three partitions until stopped;
 * `stop()` flushes, closes, and resolves once every message has a verdict.
 */
async function streamingWriter(kafka: ProxiedKafkaCluster, topic: string, prefix: string) {
  const verdicts = new Verdicts();
  const options: WriterOptions = {
    brokers: kafka.brokers,
    topic,
    balancer: byKey,
    async: true,
    batchSize: 20,
    batchTimeoutMs: 2,
    writeTimeoutMs: 3_000,
    completion: verdicts.record,
  };
  const transport = new InFlightCounter(transportConfigFrom(resolveWriterConfig(options)));
  const writer = new Writer({ ...options, transport });
  let running = true;
  let sent = 0;
  // A call every 5 ms: about five batches of each partition out at once, and a topic kcat
  // reads back in seconds.
  const loop = (async () => {
    for (let n = 0; running; n += 20) {
      const call = PARTITIONS.flatMap((p) =>
        Array.from({ length: 20 }, (_, i) => ({ key: String(p), value: `${prefix}-p${p}-${n + i}` })),
      );
      await writer.writeMessages(call);
      sent += call.length;
      await sleep(5);
    }
  })();
  onTestFinished(async () => {
    running = false;
    await loop.catch(() => undefined);
    await writer.close({ timeoutMs: 30_000 }).catch(() => undefined);
  });
  return {
    verdicts,
    transport,
    /** Resolves with how many messages were written and how many attempts were retried. */
    async stop(): Promise<{ sent: number; retries: number }> {
      running = false;
      await loop;
      await writer.flush().catch(() => undefined);
      const { retries } = writer.stats();
      await writer.close();
      return { sent, retries };
    },
  };
}

async function addLatency(kafka: ProxiedKafkaCluster): Promise<void> {
  onTestFinished(() => kafka.toxiproxy.reset());
  for (const node of kafka.nodeIds()) {
    for (const stream of ['upstream', 'downstream'] as const) {
      await kafka.toxiproxy.addToxic(kafka.clientProxy(node), {
        name: `latency-${stream}`,
        type: 'latency',
        stream,
        attributes: { latency: 15 },
      });
    }
  }
}

/**
 * Reads the topic back and holds it against the verdicts: every acknowledged message there,
 * nothing said not delivered there, nothing twice, and each partition in the order written.
 */
async function expectDeliveredInOrder(kafka: ProxiedKafkaCluster, topic: string, verdicts: Verdicts) {
  const records = await consumeWithKcat(kafka.brokers, topic, {
    count: verdicts.acknowledged.size,
    atLeast: true,
    timeoutMs: 60_000,
  });
  const values = records.map((r) => r.value?.toString() ?? '');
  const failures = JSON.stringify(Object.fromEntries(verdicts.failures));
  const seen = new Set<string>();
  const duplicated = values.filter((v) => seen.has(v) || !seen.add(v));
  expect(duplicated, `failures reported: ${failures}`).toEqual([]);
  expect([...verdicts.acknowledged].filter((v) => !seen.has(v))).toEqual([]);
  expect([...verdicts.notDelivered].filter((v) => seen.has(v))).toEqual([]);
  for (const p of PARTITIONS) {
    const numbers = records
      .filter((r) => r.partition === p)
      .map((r) => Number(r.value?.toString().split('-').at(-1)));
    const outOfOrder = numbers.filter((n, i) => i > 0 && n <= (numbers[i - 1] as number));
    expect(outOfOrder, `partition ${p} in log order`).toEqual([]);
  }
}

describe('Writer pipelining through Toxiproxy', () => {
  it('loses, duplicates and reorders nothing when a leader drops its connections with five requests out', {
    timeout: 180_000,
  }, async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 3, replicationFactor: 3 });
    await addLatency(kafka);
    const stream = await streamingWriter(kafka, topic, 'reset');
    await sleep(2_000);

    const proxy = kafka.clientProxy(await kafka.leaderOf(topic, 0));
    await kafka.toxiproxy.setEnabled(proxy, false); // closes its connections at once
    await sleep(500);
    await kafka.toxiproxy.setEnabled(proxy, true);
    await sleep(2_000);
    const { sent, retries } = await stream.stop();

    expect(PARTITIONS.map((p) => stream.transport.most.get(p))).toEqual([5, 5, 5]);
    expect(retries).toBeGreaterThan(0); // the fault met requests that were out
    const { verdicts } = stream;
    expect(verdicts.acknowledged.size + verdicts.notDelivered.size + verdicts.maybeDelivered.size).toBe(sent);
    await expectDeliveredInOrder(kafka, topic, verdicts);
  });

  it('loses, duplicates and reorders nothing when leadership moves with five requests out', {
    timeout: 180_000,
  }, async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 3, replicationFactor: 3 });
    await addLatency(kafka);
    const stream = await streamingWriter(kafka, topic, 'move');
    await sleep(2_000);

    const leader = await kafka.leaderOf(topic, 0);
    const next = await moveLeadership(kafka.brokers, topic, 0, leader);
    await sleep(2_000);
    const { sent, retries } = await stream.stop();

    expect(await kafka.leaderOf(topic, 0)).toBe(next);
    expect(PARTITIONS.map((p) => stream.transport.most.get(p))).toEqual([5, 5, 5]);
    expect(retries).toBeGreaterThan(0); // the fault met requests that were out
    const { verdicts } = stream;
    expect(verdicts.acknowledged.size + verdicts.notDelivered.size + verdicts.maybeDelivered.size).toBe(sent);
    await expectDeliveredInOrder(kafka, topic, verdicts);
  });
});
