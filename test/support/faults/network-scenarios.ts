import { setTimeout as sleep } from 'node:timers/promises';
import { killConnectionsSilently } from '../../../scripts/toxiproxy/dead-socket.ts';
import type { ProxiedKafkaCluster } from '../../../scripts/toxiproxy/proxied-cluster.ts';
import {
  duringFeed,
  type FaultContext,
  type FaultOutcome,
  type Scenario,
  seconds,
  sleepUntil,
  uniform,
} from './scenarios.ts';

// Network faults between the paths and the brokers (issue 9), through Toxiproxy: the brokers
// advertise one client proxy and one replication proxy per node (scripts/toxiproxy).

function networkOf(context: FaultContext): ProxiedKafkaCluster {
  if (!context.network) throw new Error('a network fault needs the cluster behind Toxiproxy');
  return context.network;
}

/** A network scenario: 30 s invocations, the fault a quarter of the way into the feed. */
function networkScenario(
  name: string,
  inject: (context: FaultContext, network: ProxiedKafkaCluster) => Promise<FaultOutcome>,
): Scenario {
  return {
    name,
    invocationTimeoutMs: 30_000,
    maxReceiveCount: 5,
    releaseAtMs: uniform,
    async inject(context) {
      await sleepUntil(context, 0.25);
      return inject(context, networkOf(context));
    },
  };
}

/**
 * The leader of partition 0 answers nothing for 8 s: its client proxy drops every response
 * (Toxiproxy's `timeout` toxic with timeout 0) while requests still reach it and are appended.
 * Requests in flight then are in doubt; healing closes those connections cleanly.
 */
export const blackholeLeader = networkScenario('blackhole', async (context, network) => {
  const leader = await network.leaderOf(context.topic, 0);
  const proxy = network.clientProxy(leader);
  await network.toxiproxy.addToxic(proxy, {
    name: 'blackhole',
    type: 'timeout',
    stream: 'downstream',
    attributes: { timeout: 0 },
  });
  const proven = duringFeed(context);
  const at = seconds(context);
  await sleep(8_000);
  await network.toxiproxy.removeToxic(proxy, 'blackhole');
  return {
    note: `node ${leader} answered nothing from ${at} for 8 s, healed at ${seconds(context)}`,
    proven,
  };
});

/**
 * The paths' open connections to the leader of partition 0 go silently dead for 20 s (packets
 * dropped, nothing sent back: a Lambda thawed onto a vanished peer), longer than the Writer's
 * request timeout (15 s); new connections work. Only closing the dead ones lets writes through.
 */
export const deadSocketLeader = networkScenario('dead-socket', async (context, network) => {
  const leader = await network.leaderOf(context.topic, 0);
  const dead = await killConnectionsSilently(network.ports(leader).clientProxy);
  const proven = duringFeed(context) && dead.clientPorts.length > 0;
  const at = seconds(context);
  await sleep(20_000);
  await dead.revive();
  return {
    note: `${dead.clientPorts.length} connections to node ${leader} dead from ${at} for 20 s, revived at ${seconds(context)}`,
    proven,
  };
});

/** Every answer of the leader of partition 0 arrives 2 s late for 10 s (a slow leader). */
export const slowLeader = networkScenario('slow-leader', async (context, network) => {
  const leader = await network.leaderOf(context.topic, 0);
  const proxy = network.clientProxy(leader);
  await network.toxiproxy.addToxic(proxy, {
    name: 'slow',
    type: 'latency',
    stream: 'downstream',
    attributes: { latency: 2_000, jitter: 0 },
  });
  const proven = duringFeed(context);
  const at = seconds(context);
  await sleep(10_000);
  await network.toxiproxy.removeToxic(proxy, 'slow');
  return { note: `node ${leader} answered 2 s late from ${at} for 10 s`, proven };
});

/**
 * Replication from the leader of partition 0 is slowed (3 s per fetch answer), so acks=all
 * requests wait for the ISR; then the leader shuts down (controlled: leadership moves while they
 * wait). Kafka answers those requests NOT_LEADER_OR_FOLLOWER although it appended them.
 */
export const leaderMovesWhileWaiting = networkScenario('leader-move-slow-isr', async (context, network) => {
  const leader = await network.leaderOf(context.topic, 0);
  const proxy = network.replicationProxy(leader);
  await network.toxiproxy.addToxic(proxy, {
    name: 'slow-replication',
    type: 'latency',
    stream: 'downstream',
    attributes: { latency: 3_000, jitter: 0 },
  });
  await sleep(2_000);
  await network.kafka.stopNode(leader);
  const proven = duringFeed(context);
  const at = seconds(context);
  await network.toxiproxy.removeToxic(proxy, 'slow-replication');
  await network.kafka.startNode(leader);
  return {
    note: `replication from node ${leader} slowed by 3 s, node ${leader} shut down at ${at} while acks=all requests waited, back at ${seconds(context)}`,
    proven,
  };
});
