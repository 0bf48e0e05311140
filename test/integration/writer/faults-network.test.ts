import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { Writer, type WriterOptions } from '../../../lib/index.ts';
import { connectionsTo } from '../../../scripts/toxiproxy/connections.ts';
import { killConnectionsSilently } from '../../../scripts/toxiproxy/dead-socket.ts';
import type { ProxiedKafkaCluster } from '../../../scripts/toxiproxy/proxied-cluster.ts';
import { byKey, DeliveryLedger, writeContinuously } from '../../support/delivery-ledger.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { useProxiedCluster } from '../../support/proxied-cluster.ts';
import { createTopic } from '../../support/topics.ts';

// Three brokers of this file's own behind Toxiproxy (RF 3, min.insync.replicas 2); the Writers
// bootstrap from the proxies, so every byte they exchange with a broker passes a proxy.
const cluster = useProxiedCluster({ name: 'faults-network', nodeCount: 3, basePort: 30092 });

const run = promisify(execFile);
const SIX = [0, 1, 2, 3, 4, 5];
/** writeTimeoutMs of the half-open tests; the Writer's request timeout is this + 5 s. */
const WRITE_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = WRITE_TIMEOUT_MS + 5_000;

/** A Writer through the proxies, routing by key ('0', '1', ...), closed after the test. */
function writerFor(kafka: ProxiedKafkaCluster, options: Partial<WriterOptions> = {}): Writer {
  const w = new Writer({ brokers: kafka.brokers, balancer: byKey, ...options });
  onTestFinished(() => w.close({ timeoutMs: 30_000 }).catch(() => undefined));
  return w;
}

async function leadersOf(kafka: ProxiedKafkaCluster, topic: string, partitions: number[]): Promise<number[]> {
  return Promise.all(partitions.map((p) => kafka.leaderOf(topic, p)));
}

/** One acknowledged message per partition: connections and metadata exist before the fault. */
async function warmUp(w: Writer, ledger: DeliveryLedger, partitions: number[], topic?: string) {
  const messages = partitions.map((p) => ({
    ...(topic ? { topic } : {}),
    key: String(p),
    value: `warm-up-${topic ?? w.topic}-${p}`,
  }));
  expect(await ledger.write(w, messages)).toBeUndefined();
}

/** Every value in the topic (duplicates kept), once at least `atLeast` records are there. */
async function valuesIn(kafka: ProxiedKafkaCluster, topic: string, atLeast: number): Promise<string[]> {
  const records = await consumeWithKcat(kafka.brokers, topic, { count: atLeast, atLeast: true });
  return records.map((r) => r.value?.toString() ?? '');
}

/** Sockets, in any state but TIME-WAIT, with one of `ports` at either end. */
async function socketsOn(ports: number[]): Promise<string[]> {
  const filter = ports.map((p) => `sport = :${p} or dport = :${p}`).join(' or ');
  const { stdout } = await run('ss', ['-Htan', `( ${filter} )`]);
  return stdout.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('TIME-WAIT'));
}

describe('Writer on a proxied three-broker cluster: half-open sockets', () => {
  it('recovers every partition after a leader black-holes its answers for 8 s, and loses and duplicates nothing', async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 6, replicationFactor: 3 });
    const leaders = await leadersOf(kafka, topic, SIX);
    expect(new Set(leaders).size, `leaders of ${topic}: ${leaders}`).toBe(3);
    const victim = leaders[0] as number;
    const w = writerFor(kafka, { topic, idempotent: true, writeTimeoutMs: WRITE_TIMEOUT_MS });
    const ledger = new DeliveryLedger();
    await warmUp(w, ledger, SIX);
    // Every third call gives up after 3 s: in flight on the dead path, so "may be delivered".
    const writes = writeContinuously(w, ledger, {
      partitions: SIX,
      prefix: 'black-hole',
      timeoutMs: (call) => (call % 3 === 2 ? 3_000 : 30_000),
    });
    await sleep(1_000);

    // Requests still reach the broker and are appended; only the answers vanish.
    await kafka.toxiproxy.addToxic(kafka.clientProxy(victim), { type: 'timeout', attributes: { timeout: 0 } });
    onTestFinished(() => kafka.toxiproxy.reset());
    await sleep(8_000);
    await kafka.toxiproxy.removeToxic(kafka.clientProxy(victim), 'timeout_downstream');
    await sleep(1_000);
    await writes.stop();
    const probes = await Promise.all(
      SIX.map((p) =>
        ledger.write(w, [{ key: String(p), value: `black-hole-probe-${p}` }], {
          timeoutMs: REQUEST_TIMEOUT_MS + 5_000,
        }),
      ),
    );
    await w.close();

    expect(probes).toEqual(SIX.map(() => undefined));
    const audit = ledger.audit(await valuesIn(kafka, topic, ledger.count('acknowledged')));
    expect(audit, JSON.stringify([...ledger.failures])).toMatchObject({
      lost: [],
      duplicated: [],
      notDeliveredButWritten: [],
      foreign: [],
    });
    expect(ledger.unexpected).toEqual([]);
  });

  it('recovers every partition while its connections to one broker stay silently dead, and loses and duplicates nothing once they revive', async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 6, replicationFactor: 3 });
    const leaders = await leadersOf(kafka, topic, SIX);
    expect(new Set(leaders).size, `leaders of ${topic}: ${leaders}`).toBe(3);
    const victim = leaders[0] as number;
    const proxyPort = kafka.ports(victim).clientProxy;
    const w = writerFor(kafka, { topic, idempotent: true, writeTimeoutMs: WRITE_TIMEOUT_MS });
    const ledger = new DeliveryLedger();
    await warmUp(w, ledger, SIX);
    const writes = writeContinuously(w, ledger, {
      partitions: SIX,
      prefix: 'dead-socket',
      timeoutMs: (call) => (call % 3 === 2 ? 3_000 : 30_000),
    });
    await sleep(1_000);

    // Nothing comes back on the Writer's connections to the victim: no answer, no FIN, no RST.
    const mine = (await connectionsTo(proxyPort)).filter((c) => c.pid === process.pid).map((c) => c.localPort);
    const dead = await killConnectionsSilently(proxyPort, { clientPorts: mine });
    let revived = false;
    onTestFinished(() => (revived ? undefined : dead.revive()));
    const probes = await Promise.all(
      SIX.map((p) =>
        ledger.write(w, [{ key: String(p), value: `dead-socket-probe-${p}` }], {
          timeoutMs: REQUEST_TIMEOUT_MS + 5_000,
        }),
      ),
    );
    await writes.stop();
    await w.close();
    // Revived, TCP retransmits what the dead sockets held: stale requests may land only now.
    await dead.revive();
    revived = true;
    await vi.waitFor(async () => expect(await socketsOn(mine)).toEqual([]), { timeout: 60_000, interval: 500 });

    expect(probes).toEqual(SIX.map(() => undefined));
    const audit = ledger.audit(await valuesIn(kafka, topic, ledger.count('acknowledged')));
    expect(audit, JSON.stringify([...ledger.failures])).toMatchObject({
      lost: [],
      duplicated: [],
      notDeliveredButWritten: [],
      foreign: [],
    });
    expect(ledger.unexpected).toEqual([]);
  });
});
