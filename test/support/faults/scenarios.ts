import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { LocalKafkaCluster } from '../../../scripts/kafka/broker.ts';
import type { ProxiedKafkaCluster } from '../../../scripts/toxiproxy/proxied-cluster.ts';

const run = promisify(execFile);

/** What a fault gets to act on. */
export interface FaultContext {
  cluster: LocalKafkaCluster;
  /** The same cluster behind Toxiproxy, when the scenario makes network faults. */
  network?: ProxiedKafkaCluster;
  /** A topic the paths write to (its partition 0's leader is "the partition leader"). */
  topic: string;
  startedAt: number;
  /** How long messages keep arriving at the sources. */
  spreadMs: number;
  /** Fires when every path has finished. */
  finished: AbortSignal;
}

/** What a fault did, and whether it demonstrably happened while messages were flowing. */
export interface FaultOutcome {
  note: string;
  proven: boolean;
}

/** One fault, and the conditions the paths run under while it happens. */
export interface Scenario {
  name: string;
  /** The function timeout of every invocation (and the Writer calls' bound). */
  invocationTimeoutMs: number;
  /** Receives before a message moves to the DLQ. */
  maxReceiveCount: number;
  /** When message `index` of `count` reaches its source, in ms from the start. */
  releaseAtMs(index: number, count: number, spreadMs: number): number;
  /** Injects the fault and undoes it (every node is up again when it resolves); says what it did. */
  inject(context: FaultContext): Promise<FaultOutcome>;
}

export const uniform = (index: number, count: number, spreadMs: number) => (index * spreadMs) / count;

export function seconds(context: FaultContext): string {
  return `${((Date.now() - context.startedAt) / 1000).toFixed(1)} s`;
}

/** Whether messages are still arriving at the sources now. */
export function duringFeed(context: FaultContext): boolean {
  return Date.now() < context.startedAt + context.spreadMs;
}

export async function sleepUntil(context: FaultContext, fraction: number): Promise<void> {
  const due = context.startedAt + context.spreadMs * fraction - Date.now();
  if (due > 0) await sleep(due);
}

/**
 * The leader of the topic's partition 0 is killed (SIGKILL: no controlled shutdown) a quarter of
 * the way in. Its partitions have no leader until the controller fences it (broker session timeout,
 * 6 s here) and elects one of the two in-sync followers; then it is started again.
 */
export const leaderKill: Scenario = {
  name: 'leader-kill',
  invocationTimeoutMs: 30_000,
  maxReceiveCount: 5,
  releaseAtMs: uniform,
  async inject(context) {
    await sleepUntil(context, 0.25);
    const leader = await context.cluster.leaderOf(context.topic, 0);
    await context.cluster.killNode(leader);
    const proven = duringFeed(context);
    const killedAt = seconds(context);
    // Past the session timeout, so the controller has fenced it and moved its leaders.
    await sleep(8_000);
    await context.cluster.startNode(leader);
    return {
      note: `node ${leader} (leader of partition 0) SIGKILLed at ${killedAt}, restarted at ${seconds(context)}`,
      proven,
    };
  },
};

/** The leader of partition 0 is stopped gracefully (SIGTERM, controlled shutdown) and started again. */
export const brokerBounce: Scenario = {
  name: 'broker-bounce',
  invocationTimeoutMs: 30_000,
  maxReceiveCount: 5,
  releaseAtMs: uniform,
  async inject(context) {
    await sleepUntil(context, 0.25);
    const leader = await context.cluster.leaderOf(context.topic, 0);
    await context.cluster.stopNode(leader);
    const proven = duringFeed(context);
    const stoppedAt = seconds(context);
    await context.cluster.startNode(leader);
    return {
      note: `node ${leader} (leader of partition 0) stopped at ${stoppedAt}, back at ${seconds(context)}`,
      proven,
    };
  },
};

/** Gap between bursts in the idle scenario: over twice the brokers' connections.max.idle.ms. */
export const IDLE_GAP_MS = 4_500;
/** The brokers' connections.max.idle.ms for the idle scenario. */
export const IDLE_MS = 2_000;

/**
 * Messages arrive in bursts with idle gaps longer than the brokers' connections.max.idle.ms, as
 * invocations of a warm Lambda do: between bursts the brokers close the Writers' idle connections,
 * and the next burst must find that out and reconnect. Needs a cluster started with
 * `connections.max.idle.ms` = IDLE_MS. The fault is proven, not assumed: the client connections of
 * this process to the brokers are sampled, and each burst must use new ones.
 */
export function idleReap(bursts: number): Scenario {
  return {
    name: 'idle-reap',
    invocationTimeoutMs: 30_000,
    maxReceiveCount: 5,
    releaseAtMs(index, count, spreadMs) {
      const perBurst = Math.ceil(count / bursts);
      const burstMs = Math.max(0, (spreadMs - (bursts - 1) * IDLE_GAP_MS) / bursts);
      const burst = Math.floor(index / perBurst);
      return burst * (burstMs + IDLE_GAP_MS) + ((index % perBurst) * burstMs) / perBurst;
    },
    async inject(context) {
      const ports = context.cluster.brokers.map((b) => Number(b.split(':')[1]));
      const seen = new Set<string>();
      let mostAtOnce = 0;
      while (!context.finished.aborted) {
        const now = await clientConnections(ports);
        for (const connection of now) seen.add(connection);
        mostAtOnce = Math.max(mostAtOnce, now.length);
        await sleep(200);
      }
      return {
        note: `${seen.size} client connections to the brokers over ${bursts} bursts, at most ${mostAtOnce} at once: the brokers closed idle ones and the clients dialled again`,
        // More connections over the run than ever open together: some were closed and replaced.
        proven: seen.size > mostAtOnce,
      };
    },
  };
}

/** This process's established TCP connections to the given local ports (`ss`), as "local->peer". */
async function clientConnections(ports: readonly number[]): Promise<string[]> {
  const { stdout } = await run('ss', ['-Htnp', 'state', 'established']);
  const mine = `pid=${process.pid},`;
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.includes(mine)) continue;
    const [local, peer] = line.trim().split(/\s+/).slice(2, 4);
    const peerPort = Number(peer?.slice(peer.lastIndexOf(':') + 1));
    if (ports.includes(peerPort)) out.push(`${local}->${peer}`);
  }
  return out;
}

/**
 * Every node is frozen (SIGSTOP: sockets stay open, nothing answers) for longer than one
 * invocation's budget, then resumed. Requests sent meanwhile are in flight when their invocation
 * gives up, and are processed when the brokers wake: the case where "failed" may still be written.
 */
export function outage(name: string, outageMs: number): Scenario {
  return {
    name,
    // Lambda's default function timeout: the outage outlasts it.
    invocationTimeoutMs: 3_000,
    maxReceiveCount: 2,
    releaseAtMs: uniform,
    async inject(context) {
      await sleepUntil(context, 0.25);
      const nodes = context.cluster.nodeIds();
      for (const node of nodes) await context.cluster.pauseNode(node);
      const proven = duringFeed(context);
      const pausedAt = seconds(context);
      await sleep(outageMs);
      for (const node of nodes) await context.cluster.resumeNode(node);
      return {
        note: `all ${nodes.length} nodes frozen at ${pausedAt} for ${outageMs / 1000} s (function timeout 3 s), resumed at ${seconds(context)}`,
        proven,
      };
    },
  };
}
