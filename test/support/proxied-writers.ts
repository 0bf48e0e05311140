import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, onTestFinished } from 'vitest';
import { Writer, type WriterOptions } from '../../lib/index.ts';
import type { ProxiedKafkaCluster } from '../../scripts/toxiproxy/proxied-cluster.ts';
import { byKey, type DeliveryLedger } from './delivery-ledger.ts';
import { consumeWithKcat } from './kcat.ts';

const run = promisify(execFile);
let warmUps = 0;

/** A Writer bootstrapping from the proxies, routing by key ('0', '1', ...), closed after the test. */
export function proxiedWriter(kafka: ProxiedKafkaCluster, options: Partial<WriterOptions> = {}): Writer {
  const w = new Writer({ brokers: kafka.brokers, balancer: byKey, ...options });
  onTestFinished(() => w.close({ timeoutMs: 30_000 }).catch(() => undefined));
  return w;
}

/** The leader of each of `partitions`, in that order. */
export function leadersOf(
  kafka: ProxiedKafkaCluster,
  topic: string,
  partitions: number[],
): Promise<number[]> {
  return Promise.all(partitions.map((p) => kafka.leaderOf(topic, p)));
}

/**
 * Writes one message per partition and expects it acknowledged: the Writer has its connections
 * and metadata before a fault. `topic` is for a Writer without one.
 */
export async function warmUp(w: Writer, ledger: DeliveryLedger, partitions: number[], topic?: string) {
  const round = ++warmUps;
  const messages = partitions.map((p) => ({
    ...(topic ? { topic } : {}),
    key: String(p),
    value: `warm-up-${round}-${topic ?? w.topic}-${p}`,
  }));
  expect(await ledger.write(w, messages)).toBeUndefined();
}

/** Every value in the topic (duplicates kept), read once at least `atLeast` records are there. */
export async function valuesIn(
  kafka: ProxiedKafkaCluster,
  topic: string,
  atLeast: number,
): Promise<string[]> {
  const records = await consumeWithKcat(kafka.brokers, topic, { count: atLeast, atLeast: true });
  return records.map((r) => r.value?.toString() ?? '');
}

/**
 * Reads the topic back and expects what `ledger` allows: every acknowledged message, nothing
 * reported as not delivered, nothing foreign, and (unless allowed) no message twice.
 */
export async function expectDelivered(
  kafka: ProxiedKafkaCluster,
  topic: string,
  ledger: DeliveryLedger,
  options: { duplicatesAllowed?: boolean } = {},
): Promise<void> {
  const audit = ledger.audit(await valuesIn(kafka, topic, ledger.count('acknowledged')));
  const failures = JSON.stringify(Object.fromEntries(ledger.failures));
  expect(audit, `failures reported: ${failures}`).toMatchObject({
    lost: [],
    notDeliveredButWritten: [],
    foreign: [],
    ...(options.duplicatesAllowed ? {} : { duplicated: [] }),
  });
  expect(ledger.unexpected).toEqual([]);
}

/** TCP sockets, in any state but TIME-WAIT, with one of `ports` at either end (from `ss`). */
export async function socketsOn(ports: number[]): Promise<Array<{ state: string; sendQueue: number }>> {
  const filter = ports.map((p) => `sport = :${p} or dport = :${p}`).join(' or ');
  const { stdout } = await run('ss', ['-Htan', `( ${filter} )`]);
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('TIME-WAIT'))
    .map((line) => {
      const [state = '', , sendQueue = '0'] = line.trim().split(/\s+/);
      return { state, sendQueue: Number(sendQueue) };
    });
}
