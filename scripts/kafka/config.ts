import type { TlsMaterial } from './tls.ts';
import { KEYSTORE_PASSWORD } from './tls.ts';

/** SASL users every local broker knows; local test credentials, never real secrets. */
export const LOCAL_SASL_USERS = {
  scram: { username: 'bridge', password: 'bridge-secret' },
  plain: { username: 'bridge-plain', password: 'bridge-plain-secret' },
} as const;

/** Ports of one node: PLAINTEXT for clients, SASL_SSL for auth tests, CONTROLLER for KRaft. */
export interface NodePorts {
  plaintext: number;
  saslSsl: number;
  controller: number;
}

/** How the ports of a named cluster are laid out: node i gets base + i on each listener. */
export function portsFor(basePort: number, nodeIndex: number): NodePorts {
  return {
    plaintext: basePort + nodeIndex,
    saslSsl: basePort + 100 + nodeIndex,
    controller: basePort + 200 + nodeIndex,
  };
}

export interface NodeConfigInput {
  nodeId: number;
  nodeCount: number;
  basePort: number;
  dataDir: string;
  tls: TlsMaterial;
  /** Extra or overriding server.properties entries (e.g. connections.max.idle.ms). */
  overrides?: Record<string, string | number>;
}

/**
 * server.properties for one combined broker+controller KRaft node. Replication follows the
 * cluster size: a 3-node cluster uses replication factor 3 and min.insync.replicas 2, so acks=all
 * survives one node down; a single node uses 1 and 1.
 */
export function serverProperties(input: NodeConfigInput): string {
  const { nodeId, nodeCount, basePort, dataDir, tls } = input;
  const ports = portsFor(basePort, nodeId - 1);
  const voters = Array.from(
    { length: nodeCount },
    (_, i) => `${i + 1}@127.0.0.1:${portsFor(basePort, i).controller}`,
  ).join(',');
  const replication = nodeCount >= 3 ? 3 : 1;
  const minIsr = nodeCount >= 3 ? 2 : 1;
  const jaas = {
    scram: 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    plain: `org.apache.kafka.common.security.plain.PlainLoginModule required user_${LOCAL_SASL_USERS.plain.username}="${LOCAL_SASL_USERS.plain.password}";`,
    oauth: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
  };
  const props: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': nodeId,
    'controller.quorum.voters': voters,
    listeners: `PLAINTEXT://127.0.0.1:${ports.plaintext},SASL_SSL://127.0.0.1:${ports.saslSsl},CONTROLLER://127.0.0.1:${ports.controller}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${ports.plaintext},SASL_SSL://127.0.0.1:${ports.saslSsl}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
    'log.dirs': dataDir,
    'num.partitions': 3,
    'default.replication.factor': replication,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': replication,
    'offsets.topic.num.partitions': 3,
    'transaction.state.log.replication.factor': replication,
    'transaction.state.log.min.isr': minIsr,
    'share.coordinator.state.topic.replication.factor': replication,
    'share.coordinator.state.topic.min.isr': minIsr,
    'group.initial.rebalance.delay.ms': 0,
    // Brokers never create topics on their own: the Writer's allowAutoTopicCreation must be
    // the only way a missing topic comes to exist, or the "unknown topic" tests prove nothing.
    'auto.create.topics.enable': 'false',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512,SCRAM-SHA-256,PLAIN,OAUTHBEARER',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': jaas.scram,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': jaas.scram,
    'listener.name.sasl_ssl.plain.sasl.jaas.config': jaas.plain,
    'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config': jaas.oauth,
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': tls.keystorePath,
    'ssl.keystore.password': KEYSTORE_PASSWORD,
    'ssl.key.password': KEYSTORE_PASSWORD,
    // Shorter than the defaults so leader moves after a node stops settle within a test.
    'controller.quorum.election.timeout.ms': 1000,
    'controller.quorum.fetch.timeout.ms': 2000,
    'broker.session.timeout.ms': 6000,
    'broker.heartbeat.interval.ms': 1000,
    'log.segment.bytes': 16 * 1024 * 1024,
    ...input.overrides,
  };
  return `${Object.entries(props)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/** log4j2 configuration: INFO to stdout (captured in the node's log file). */
export const LOG4J2_PROPERTIES = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
`;
