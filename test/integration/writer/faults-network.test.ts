import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { WriteAbortedError, WriteErrors, type Writer } from '../../../lib/index.ts';
import { connectionsTo } from '../../../scripts/toxiproxy/connections.ts';
import { killConnectionsSilently } from '../../../scripts/toxiproxy/dead-socket.ts';
import { DeliveryLedger, writeContinuously } from '../../support/delivery-ledger.ts';
import { useProxiedCluster } from '../../support/proxied-cluster.ts';
import {
  expectDelivered,
  leadersOf,
  proxiedWriter,
  socketsOn,
  warmUp,
} from '../../support/proxied-writers.ts';
import { createTopic } from '../../support/topics.ts';

// Three brokers of this file's own behind Toxiproxy (RF 3, min.insync.replicas 2). The Writers
// bootstrap from the proxies, so every byte they exchange with a broker passes one.
const cluster = useProxiedCluster({ name: 'faults-network', nodeCount: 3, basePort: 30092 });

const SIX = [0, 1, 2, 3, 4, 5];
/** A small writeTimeoutMs: the Writer's request timeout is this + 5 s. */
const WRITE_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = WRITE_TIMEOUT_MS + 5_000;
/** How long a partition may take to accept a write again once a dead connection is noticed. */
const RECOVERY_DEADLINE_MS = REQUEST_TIMEOUT_MS + 5_000;

/**
 * A six-partition topic led by all three brokers, and three idempotent Writers with a short
 * writeTimeoutMs: `patient` and `impatient` (calls giving up after 3 s, so some of its batches
 * are abandoned in flight) write continuously; `idle` only warms up, so its connection to the
 * victim carries nothing when the fault starts.
 */
async function sixPartitionsUnderLoad(prefix: string) {
  const kafka = cluster();
  const topic = await createTopic(kafka.brokers, { partitions: 6, replicationFactor: 3 });
  const leaders = await leadersOf(kafka, topic, SIX);
  expect(new Set(leaders).size, `leaders of ${topic}: ${leaders}`).toBe(3);
  const victim = leaders[0] as number;
  const ledger = new DeliveryLedger();
  const options = { topic, idempotent: true, writeTimeoutMs: WRITE_TIMEOUT_MS };
  const patient = proxiedWriter(kafka, options);
  const impatient = proxiedWriter(kafka, options);
  const idle = proxiedWriter(kafka, options);
  for (const w of [patient, impatient, idle]) await warmUp(w, ledger, SIX);
  const loops = [
    writeContinuously(patient, ledger, { partitions: SIX, prefix, timeoutMs: 30_000 }),
    writeContinuously(impatient, ledger, { partitions: SIX, prefix: `${prefix}-3s`, timeoutMs: 3_000 }),
  ];
  const stop = async () => {
    await Promise.all(loops.map((loop) => loop.stop()));
    await Promise.all([patient.close(), impatient.close(), idle.close()]);
  };
  const victimPartitions = SIX.filter((p) => leaders[p] === victim);
  return { kafka, topic, victim, victimPartitions, ledger, idle, stop };
}

/** One write per partition from `w`, each bounded by RECOVERY_DEADLINE_MS: its errors, in order. */
function probeEveryPartition(w: Writer, ledger: DeliveryLedger, label: string) {
  return Promise.all(
    SIX.map((p) =>
      ledger.write(w, [{ key: String(p), value: `${label}-probe-${p}` }], {
        timeoutMs: RECOVERY_DEADLINE_MS,
      }),
    ),
  );
}

describe('Writer through Toxiproxy: half-open connections', () => {
  it("answers every partition again after a leader's answers are black-holed for 8 s, and loses and duplicates nothing", async () => {
    const { kafka, topic, victim, victimPartitions, ledger, idle, stop } =
      await sixPartitionsUnderLoad('black-hole');
    await sleep(1_000);

    // Requests still reach the broker and are appended; only its answers vanish.
    await kafka.toxiproxy.addToxic(kafka.clientProxy(victim), {
      type: 'timeout',
      attributes: { timeout: 0 },
    });
    onTestFinished(() => kafka.toxiproxy.reset());
    const duringFault = await Promise.all(
      victimPartitions.map((p) =>
        ledger.write(idle, [{ key: String(p), value: `black-hole-during-${p}` }], { timeoutMs: 3_000 }),
      ),
    );
    await sleep(5_000);
    await kafka.toxiproxy.removeToxic(kafka.clientProxy(victim), 'timeout_downstream');
    const probes = await probeEveryPartition(idle, ledger, 'black-hole');
    await stop();

    for (const error of duringFault) {
      expect(error).toBeInstanceOf(WriteErrors);
      expect((error as WriteErrors).errors[0]).toBeInstanceOf(WriteAbortedError);
      expect((error as WriteErrors).errors[0]).toMatchObject({ mayBeDelivered: true });
    }
    expect(probes).toEqual(SIX.map(() => undefined));
    await expectDelivered(kafka, topic, ledger);
  });

  it('answers every partition again while its connections to one broker stay silently dead, and loses and duplicates nothing once they revive', async () => {
    const { kafka, topic, victim, ledger, idle, stop } = await sixPartitionsUnderLoad('dead-socket');
    const proxyPort = kafka.ports(victim).clientProxy;
    await sleep(1_000);

    // Nothing comes back on the Writers' connections to the victim: no answer, no FIN, no RST.
    const mine = (await connectionsTo(proxyPort))
      .filter((c) => c.pid === process.pid)
      .map((c) => c.localPort);
    const dead = await killConnectionsSilently(proxyPort, { clientPorts: mine });
    let revived = false;
    onTestFinished(() => (revived ? undefined : dead.revive()));
    // `idle` sends its victim partitions' requests on a dead socket: they sit in its send queue.
    const probes = await probeEveryPartition(idle, ledger, 'dead-socket');
    const held = await socketsOn(mine);
    await stop();
    // Revived, TCP retransmits what the dead sockets held: the stale requests land only now.
    await dead.revive();
    revived = true;
    await vi.waitFor(async () => expect(await socketsOn(mine)).toEqual([]), {
      timeout: 60_000,
      interval: 500,
    });

    expect(probes).toEqual(SIX.map(() => undefined));
    expect(
      held.some((socket) => socket.sendQueue > 1),
      JSON.stringify(held),
    ).toBe(true);
    await expectDelivered(kafka, topic, ledger);
  });
});

describe('Writer through Toxiproxy: one sick leader, the others healthy', () => {
  it("answers writes to partitions of healthy leaders while a write to the slow leader's partition is still waiting", async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 6, replicationFactor: 3 });
    const leaders = await leadersOf(kafka, topic, SIX);
    const slow = leaders[0] as number;
    const healthy = SIX.filter((p) => leaders[p] !== slow);
    expect(healthy.length, `leaders of ${topic}: ${leaders}`).toBeGreaterThan(0);
    const w = proxiedWriter(kafka, { topic });
    const ledger = new DeliveryLedger();
    await warmUp(w, ledger, SIX);
    await kafka.toxiproxy.addToxic(kafka.clientProxy(slow), {
      type: 'latency',
      attributes: { latency: 2_000 },
    });
    onTestFinished(() => kafka.toxiproxy.reset());

    const settled: string[] = [];
    const write = (p: number) =>
      ledger
        .write(w, [{ key: String(p), value: `slow-leader-${p}` }])
        .finally(() => settled.push(`partition ${p}`));
    const toSlow = write(0);
    const toHealthy = healthy.map(write);
    const healthyErrors = await Promise.all(toHealthy);
    const settledWhenHealthyDone = [...settled];
    const slowError = await toSlow;
    await kafka.toxiproxy.reset();

    expect(healthyErrors).toEqual(healthy.map(() => undefined));
    expect(settledWhenHealthyDone).not.toContain('partition 0');
    expect(slowError).toBeUndefined();
    expect(settled.at(-1)).toBe('partition 0');
    await expectDelivered(kafka, topic, ledger);
  });

  // With its metadata due (older than metadataMaxAgeMs), the Writer refreshes from a connected
  // broker picked at random; that request must not hold up batches for leaders it already knows.
  // Here the black-holed broker is the only one the Writer is connected to.
  it("answers a write to a healthy leader's partition within its deadline when its metadata falls due while the only broker it talks to is black-holed", async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 6, replicationFactor: 3 });
    const leaders = await leadersOf(kafka, topic, SIX);
    const victim = leaders[0] as number;
    const healthy = SIX.find((p) => leaders[p] !== victim) as number;
    // Bootstrapped from the victim alone and warmed up on its partition: connected to it only.
    const w = proxiedWriter(kafka, {
      brokers: [`127.0.0.1:${kafka.ports(victim).clientProxy}`],
      topic,
      writeTimeoutMs: WRITE_TIMEOUT_MS,
      metadataMaxAgeMs: 2_000,
    });
    const ledger = new DeliveryLedger();
    await warmUp(w, ledger, [0]);
    await kafka.toxiproxy.addToxic(kafka.clientProxy(victim), {
      type: 'timeout',
      attributes: { timeout: 0 },
    });
    onTestFinished(() => kafka.toxiproxy.reset());
    await sleep(2_100);

    // Shorter than the request timeout: the healthy leader is known and answers in milliseconds.
    const error = await ledger.write(w, [{ key: String(healthy), value: 'healthy-leader' }], {
      timeoutMs: 5_000,
    });
    await kafka.toxiproxy.reset();

    expect(error).toBeUndefined();
    await expectDelivered(kafka, topic, ledger);
  });
});
