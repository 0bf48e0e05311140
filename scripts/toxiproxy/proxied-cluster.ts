import { LocalKafkaCluster, type StartClusterOptions } from '../kafka/broker.ts';
import { portsFor } from '../kafka/config.ts';
import type { ToxiproxyClient } from './client.ts';
import { ToxiproxyServer } from './server.ts';

/**
 * Ports a proxied cluster adds to portsFor()'s (base + i, +100 SASL_SSL, +200 CONTROLLER) for
 * node index i: the broker's own replication listener, and the Toxiproxy listeners that are
 * advertised instead of the broker's. The Toxiproxy API sits at base + 600; the SASL_SSL proxy at
 * base + 700 + i is only opened with `proxySaslSsl`, so the layout spans base .. base + 600
 * without it and base .. base + 700 + nodes with it. Keep the whole span below 32768, where the
 * ephemeral range of client sockets starts (a client socket could already hold a port it needs).
 */
export function proxiedPortsFor(basePort: number, nodeIndex: number) {
  return {
    replication: basePort + 300 + nodeIndex,
    clientProxy: basePort + 400 + nodeIndex,
    replicationProxy: basePort + 500 + nodeIndex,
    saslSslProxy: basePort + 700 + nodeIndex,
  };
}

export interface StartProxiedClusterOptions extends Omit<StartClusterOptions, 'nodeOverrides' | 'basePort'> {
  /**
   * Required: the layout spans base .. base + 600 (+ 700 + nodes with `proxySaslSsl`), so pick one
   * 1000 away from other clusters.
   */
  basePort: number;
  /** Port of the Toxiproxy API. @default basePort + 600 */
  apiPort?: number;
  /**
   * Also puts the SASL_SSL listener (TLS + SCRAM, as MSK is reached) behind a proxy per node, at
   * base + 700 + i, and advertises those: TLS then pays the same toxics as PLAINTEXT. Toxiproxy
   * forwards TCP, so TLS passes through it end to end (the broker's certificate names 127.0.0.1).
   * Off by default, so the clusters of the fault suites keep their ports and direct SASL_SSL.
   * @default false
   */
  proxySaslSsl?: boolean;
}

/**
 * A local KRaft cluster whose client and replication traffic passes through Toxiproxy, one proxy
 * per node and kind. Clients bootstrapping from `brokers` reach every broker through its client
 * proxy, since brokers advertise those; followers fetch from a leader through the leader's
 * replication proxy. KRaft controller traffic stays direct, and so does SASL_SSL unless
 * `proxySaslSsl` puts it behind proxies too (`saslSslBrokers`, `saslSslProxy`).
 *
 * @example
 * const cluster = await startProxiedCluster({ name: 'chaos', nodeCount: 3, basePort: 31092 });
 * await cluster.toxiproxy.addToxic(cluster.clientProxy(2), { type: 'timeout', attributes: { timeout: 0 } });
 */
export class ProxiedKafkaCluster {
  /** The cluster itself: nodes to stop, kill, pause; its `brokers` are the direct addresses. */
  readonly kafka: LocalKafkaCluster;
  /** Client of the cluster's own Toxiproxy: toxics, enable/disable, reset. */
  readonly toxiproxy: ToxiproxyClient;
  /** Whether SASL_SSL goes through proxies of its own (`proxySaslSsl`). */
  readonly saslSslProxied: boolean;
  private readonly server: ToxiproxyServer;

  constructor(kafka: LocalKafkaCluster, server: ToxiproxyServer, saslSslProxied = false) {
    this.kafka = kafka;
    this.server = server;
    this.toxiproxy = server.client;
    this.saslSslProxied = saslSslProxied;
  }

  get name(): string {
    return this.kafka.name;
  }

  nodeIds(): number[] {
    return this.kafka.nodeIds();
  }

  /** Bootstrap addresses through the client proxies, one per node. */
  get brokers(): string[] {
    return this.nodeIds().map((id) => `127.0.0.1:${this.ports(id).clientProxy}`);
  }

  /**
   * SASL_SSL bootstrap addresses as the brokers advertise them: through the SASL_SSL proxies with
   * `proxySaslSsl`, else the brokers' own listeners.
   */
  get saslSslBrokers(): string[] {
    if (!this.saslSslProxied) return this.kafka.saslSslBrokers;
    return this.nodeIds().map((id) => `127.0.0.1:${this.ports(id).saslSslProxy}`);
  }

  /** Name of the proxy in front of a node's SASL_SSL listener; only with `proxySaslSsl`. */
  saslSslProxy(nodeId: number): string {
    if (!this.saslSslProxied) {
      throw new Error(`${this.name} was started without proxySaslSsl: its SASL_SSL listeners are direct`);
    }
    return `${this.name}-sasl-ssl-${nodeId}`;
  }

  /** Name of the proxy in front of a node's PLAINTEXT listener: all client traffic to it. */
  clientProxy(nodeId: number): string {
    return `${this.name}-client-${nodeId}`;
  }

  /**
   * Name of the proxy in front of a node's replication listener: the fetches its followers send
   * to it as leader (and other broker-to-broker requests to it). A toxic here delays or cuts
   * replication of the partitions this node leads, for all of their followers at once.
   */
  replicationProxy(nodeId: number): string {
    return `${this.name}-replication-${nodeId}`;
  }

  /** The ports of one node, real and proxied. */
  ports(nodeId: number) {
    return {
      ...portsFor(this.kafka.basePort, nodeId - 1),
      ...proxiedPortsFor(this.kafka.basePort, nodeId - 1),
    };
  }

  /** The node that leads a partition, from the cluster's own metadata. */
  leaderOf(topic: string, partition: number): Promise<number> {
    return this.kafka.leaderOf(topic, partition);
  }

  /** Stops the brokers, then Toxiproxy (the brokers' shutdown still needs their proxies). */
  async stop(): Promise<void> {
    try {
      await this.kafka.stop();
    } finally {
      await this.server.stop();
    }
  }
}

/**
 * Starts Toxiproxy, one client and one replication proxy per node (and one SASL_SSL proxy with
 * `proxySaslSsl`), then the brokers.
 */
export async function startProxiedCluster(options: StartProxiedClusterOptions): Promise<ProxiedKafkaCluster> {
  const { apiPort = options.basePort + 600, proxySaslSsl = false, ...clusterOptions } = options;
  const nodeCount = options.nodeCount ?? 1;
  const server = await ToxiproxyServer.start({ apiPort });
  try {
    // Brokers connect to each other's advertised addresses as soon as they start.
    for (let i = 0; i < nodeCount; i++) {
      const real = portsFor(options.basePort, i);
      const proxied = proxiedPortsFor(options.basePort, i);
      await server.client.createProxy({
        name: `${options.name}-client-${i + 1}`,
        listen: `127.0.0.1:${proxied.clientProxy}`,
        upstream: `127.0.0.1:${real.plaintext}`,
      });
      await server.client.createProxy({
        name: `${options.name}-replication-${i + 1}`,
        listen: `127.0.0.1:${proxied.replicationProxy}`,
        upstream: `127.0.0.1:${proxied.replication}`,
      });
      if (proxySaslSsl) {
        await server.client.createProxy({
          name: `${options.name}-sasl-ssl-${i + 1}`,
          listen: `127.0.0.1:${proxied.saslSslProxy}`,
          upstream: `127.0.0.1:${real.saslSsl}`,
        });
      }
    }
    const kafka = await LocalKafkaCluster.start({
      ...clusterOptions,
      nodeCount,
      nodeOverrides: (nodeId) => proxiedListeners(options.basePort, nodeId - 1, proxySaslSsl),
    });
    return new ProxiedKafkaCluster(kafka, server, proxySaslSsl);
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Listener settings that advertise the proxies and route inter-broker traffic through one. */
function proxiedListeners(
  basePort: number,
  nodeIndex: number,
  proxySaslSsl: boolean,
): Record<string, string> {
  const real = portsFor(basePort, nodeIndex);
  const proxied = proxiedPortsFor(basePort, nodeIndex);
  const at = (port: number) => `127.0.0.1:${port}`;
  return {
    listeners: [
      `PLAINTEXT://${at(real.plaintext)}`,
      `REPLICATION://${at(proxied.replication)}`,
      `SASL_SSL://${at(real.saslSsl)}`,
      `CONTROLLER://${at(real.controller)}`,
    ].join(','),
    'advertised.listeners': [
      `PLAINTEXT://${at(proxied.clientProxy)}`,
      `REPLICATION://${at(proxied.replicationProxy)}`,
      `SASL_SSL://${at(proxySaslSsl ? proxied.saslSslProxy : real.saslSsl)}`,
    ].join(','),
    'inter.broker.listener.name': 'REPLICATION',
    'listener.security.protocol.map':
      'PLAINTEXT:PLAINTEXT,REPLICATION:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
  };
}
