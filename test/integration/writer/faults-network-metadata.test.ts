import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { BrokerError, UnknownTopicError, WriteErrors } from '../../../lib/index.ts';
import type { ProxiedKafkaCluster } from '../../../scripts/toxiproxy/proxied-cluster.ts';
import { DeliveryLedger, writeContinuously } from '../../support/delivery-ledger.ts';
import { moveLeadership } from '../../support/leadership.ts';
import { useProxiedCluster } from '../../support/proxied-cluster.ts';
import { expectDelivered, leadersOf, proxiedWriter, warmUp } from '../../support/proxied-writers.ts';
import { createTopic } from '../../support/topics.ts';

// Three brokers of this file's own behind Toxiproxy (RF 3, min.insync.replicas 2); the same ports
// as faults-network.test.ts, which runs before or after this file, never beside it.
const cluster = useProxiedCluster({ name: 'faults-network-metadata', nodeCount: 3, basePort: 30092 });

/**
 * A partition's leader as `node` itself answers (kafkajs' admin retries and throws on a
 * leaderless partition; -1 here), asked through that node's proxy only.
 */
async function leaderAsSeenBy(kafka: ProxiedKafkaCluster, node: number, topic: string, partition: number) {
  const admin = new Kafka({
    brokers: [`127.0.0.1:${kafka.ports(node).clientProxy}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader ?? -1;
  } catch (error) {
    // kafkajs wraps the protocol error its retrier gave up on.
    const cause = (error as { cause?: unknown }).cause ?? error;
    if ((cause as { type?: string }).type === 'LEADER_NOT_AVAILABLE') return -1;
    throw error;
  } finally {
    await admin.disconnect();
  }
}

async function deleteTopic(kafka: ProxiedKafkaCluster, topic: string): Promise<void> {
  const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
  // Every broker has to have dropped it, or a produce could still be appended somewhere.
  for (const node of kafka.nodeIds()) {
    const one = new Kafka({
      brokers: [`127.0.0.1:${kafka.ports(node).clientProxy}`],
      logLevel: logLevel.NOTHING,
    });
    const nodeAdmin = one.admin();
    await nodeAdmin.connect();
    try {
      await vi.waitFor(async () => expect(await nodeAdmin.listTopics()).not.toContain(topic), {
        timeout: 30_000,
        interval: 250,
      });
    } finally {
      await nodeAdmin.disconnect();
    }
  }
}

describe('Writer through Toxiproxy: leadership moves while acks=all requests wait for the ISR', () => {
  it.each([
    { mode: 'An idempotent Writer', idempotent: true },
    { mode: 'A Writer without idempotence', idempotent: false },
  ])(
    '$mode reports no written message as undelivered and loses no acknowledged one when the leader moves under waiting requests',
    async ({ idempotent }) => {
      const kafka = cluster();
      const topic = await createTopic(kafka.brokers, { partitions: 1, replicationFactor: 3 });
      const leader = await kafka.leaderOf(topic, 0);
      const options = { topic, idempotent, writeTimeoutMs: 10_000 };
      // `once` has a single attempt per batch, so the move's answers reach its caller unretried.
      const [patient, once] = [
        proxiedWriter(kafka, options),
        proxiedWriter(kafka, { ...options, maxAttempts: 1 }),
      ];
      const ledger = new DeliveryLedger();
      await warmUp(patient, ledger, [0]);
      await warmUp(once, ledger, [0]);
      // Followers get the leader's records 3 s late, so each acks=all request waits that long.
      await kafka.toxiproxy.addToxic(kafka.replicationProxy(leader), {
        type: 'latency',
        attributes: { latency: 3_000 },
      });
      onTestFinished(() => kafka.toxiproxy.reset());
      const loops = [
        writeContinuously(patient, ledger, { partitions: [0, 0], prefix: 'patient' }),
        writeContinuously(once, ledger, { partitions: [0, 0], prefix: 'once' }),
      ];
      await sleep(2_000);

      const next = await moveLeadership(kafka.brokers, topic, 0, leader);
      await sleep(2_000);
      await Promise.all(loops.map((loop) => loop.stop()));
      await kafka.toxiproxy.reset();
      await Promise.all([patient.close(), once.close()]);

      expect(await kafka.leaderOf(topic, 0)).toBe(next);
      // The move caught requests waiting for the ISR: their leader answered after the append.
      expect(ledger.failuresMatching('NOT_LEADER_OR_FOLLOWER (maybe)')).toBeGreaterThan(0);
      await expectDelivered(kafka, topic, ledger, { duplicatesAllowed: !idempotent });
    },
  );
});

describe('Writer through Toxiproxy: deleted topics and leaderless partitions', () => {
  it('keeps writing to a topic while another one it wrote to is deleted, and names the deleted one when it is written to', async () => {
    const kafka = cluster();
    const [deleted, kept] = await Promise.all([createTopic(kafka.brokers), createTopic(kafka.brokers)]);
    const w = proxiedWriter(kafka, { metadataMaxAgeMs: 500, maxAttempts: 3 });
    const [ledgerDeleted, ledgerKept] = [new DeliveryLedger(), new DeliveryLedger()];
    await warmUp(w, ledgerDeleted, [0, 1, 2], deleted);
    await warmUp(w, ledgerKept, [0, 1, 2], kept);

    await deleteTopic(kafka, deleted);
    const toKept: Array<Error | undefined> = [];
    const toDeleted: Array<Error | undefined> = [];
    // Each round outlives metadataMaxAgeMs, so the Writer refreshes between rounds.
    for (let round = 0; round < 4; round++) {
      const key = String(round % 3);
      toDeleted.push(await ledgerDeleted.write(w, [{ topic: deleted, key, value: `deleted-${round}` }]));
      toKept.push(await ledgerKept.write(w, [{ topic: kept, key, value: `kept-${round}` }]));
      await sleep(600);
    }
    expect(toKept).toEqual([undefined, undefined, undefined, undefined]);
    for (const error of toDeleted) {
      const failure = error instanceof WriteErrors ? error.errors[0] : error;
      if (failure instanceof UnknownTopicError) expect(failure.topic).toBe(deleted);
      else expect(failure).toMatchObject({ name: 'BrokerError', code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    }
    await expectDelivered(kafka, kept, ledgerKept);
  });

  it('fails only the messages routed to a partition that lost its only replica, as retriable and not delivered', async () => {
    const kafka = cluster();
    const single = await createTopic(kafka.brokers, { partitions: 3, replicationFactor: 1 });
    const replicated = await createTopic(kafka.brokers, { partitions: 3, replicationFactor: 3 });
    const leaders = await leadersOf(kafka, single, [0, 1, 2]);
    const victim = leaders[0] as number;
    const survivors = [1, 2].filter((p) => leaders[p] !== victim);
    expect(survivors.length, `leaders of ${single}: ${leaders}`).toBeGreaterThan(0);
    // Metadata older than 1 s is refreshed, so the Writer soon learns of the lost leader.
    const w = proxiedWriter(kafka, { maxAttempts: 3, metadataMaxAgeMs: 1_000 });
    const [ledgerSingle, ledgerReplicated] = [new DeliveryLedger(), new DeliveryLedger()];
    await warmUp(w, ledgerSingle, [0, 1, 2], single);
    await warmUp(w, ledgerReplicated, [0, 1, 2], replicated);
    await kafka.kafka.stopNode(victim);
    let restarted = false;
    onTestFinished(() => (restarted ? undefined : kafka.kafka.startNode(victim)));
    const witness = kafka.nodeIds().find((node) => node !== victim) as number;
    await vi.waitFor(async () => expect(await leaderAsSeenBy(kafka, witness, single, 0)).toBe(-1), {
      timeout: 30_000,
      interval: 250,
    });
    await sleep(1_100);

    const toLeaderless = await ledgerSingle.write(w, [
      { topic: single, key: '0', value: 'leaderless-alone' },
    ]);
    const mixed = await ledgerSingle.write(w, [
      { topic: single, key: '0', value: 'leaderless-mixed' },
      ...survivors.map((p) => ({ topic: single, key: String(p), value: `survivor-${p}` })),
    ]);
    const toReplicated = await ledgerReplicated.write(
      w,
      [0, 1, 2].map((p) => ({ topic: replicated, key: String(p), value: `replicated-${p}` })),
    );
    await w.close();
    await kafka.kafka.startNode(victim);
    restarted = true;
    await vi.waitFor(async () => expect(await leaderAsSeenBy(kafka, witness, single, 0)).toBe(victim), {
      timeout: 60_000,
      interval: 250,
    });

    const leaderless = { retriable: true, mayBeDelivered: false, code: 'LEADER_NOT_AVAILABLE' };
    // The first write may still go to the leader the Writer knew (an old table is refreshed in
    // the background, as the Java producer does): its bytes leave into the stopped broker's proxy,
    // which resets the connection, so that attempt may have been written as far as the Writer can
    // tell. From then on the Writer knows the partition has no leader and sends nothing.
    expect((toLeaderless as WriteErrors).errors[0]).toBeInstanceOf(BrokerError);
    expect((toLeaderless as WriteErrors).errors[0]).toMatchObject({
      retriable: true,
      code: 'LEADER_NOT_AVAILABLE',
    });
    expect((mixed as WriteErrors).errors).toEqual([
      expect.objectContaining(leaderless),
      ...survivors.map(() => undefined),
    ]);
    expect(toReplicated).toBeUndefined();
    await expectDelivered(kafka, single, ledgerSingle);
    await expectDelivered(kafka, replicated, ledgerReplicated);
  });
});
