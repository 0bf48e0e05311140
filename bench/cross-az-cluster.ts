/**
 * A cluster the way Lambda meets MSK: three brokers behind Toxiproxy, `latencyMs` added each way
 * between clients and brokers and between followers and leaders, topics with RF 3 and min ISR 2.
 * Shared by the cross-AZ profile and the cost benchmark.
 */
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { type ProxiedKafkaCluster, startProxiedCluster } from '../scripts/toxiproxy/proxied-cluster.ts';

export interface CrossAzCluster {
  cluster: ProxiedKafkaCluster;
  brokers: string[];
  /** SASL_SSL (TLS + SCRAM) addresses behind the same latency; only with `proxySaslSsl`. */
  saslSslBrokers: string[] | undefined;
  admin: Admin;
  /** Creates a topic (RF 3, min ISR 2) and waits until every partition has a leader. */
  createTopic(topic: string, partitions: number): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the cluster at `basePort` (its layout spans base .. base + 600, base + 702 with
 * `proxySaslSsl`; keep it below the ephemeral range, 32768+, where a client socket could already
 * hold a port it needs). With `proxySaslSsl` the SASL_SSL listeners get the latency too.
 */
export async function startCrossAzCluster(options: {
  name: string;
  basePort: number;
  latencyMs: number;
  /** @default false */
  proxySaslSsl?: boolean;
}): Promise<CrossAzCluster> {
  const proxySaslSsl = options.proxySaslSsl ?? false;
  const cluster = await startProxiedCluster({
    name: options.name,
    nodeCount: 3,
    basePort: options.basePort,
    proxySaslSsl,
  });
  try {
    for (const id of cluster.nodeIds()) {
      const proxies = [cluster.clientProxy(id), cluster.replicationProxy(id)];
      if (proxySaslSsl) proxies.push(cluster.saslSslProxy(id));
      for (const proxy of proxies) {
        for (const stream of ['upstream', 'downstream'] as const) {
          await cluster.toxiproxy.addToxic(proxy, {
            type: 'latency',
            stream,
            name: `cross-az-${stream}`,
            attributes: { latency: options.latencyMs },
          });
        }
      }
    }
    const brokers = cluster.brokers;
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    return {
      cluster,
      brokers,
      saslSslBrokers: proxySaslSsl ? cluster.saslSslBrokers : undefined,
      admin,
      async createTopic(topic, partitions) {
        await admin.createTopics({
          topics: [
            {
              topic,
              numPartitions: partitions,
              replicationFactor: 3,
              configEntries: [{ name: 'min.insync.replicas', value: '2' }],
            },
          ],
          waitForLeaders: false, // kafkajs' default (true) is what gives up; see leadersElected
        });
        await leadersElected(admin, topic, partitions);
        return topic;
      },
      async stop() {
        try {
          await admin.disconnect();
        } finally {
          await cluster.stop();
        }
      },
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/**
 * Waits until every partition of a new topic has a leader. kafkajs' own `waitForLeaders` gives up
 * on the first UNKNOWN_TOPIC_OR_PARTITION, which a loaded cluster answers while the topic's
 * metadata is still spreading to the broker asked.
 */
async function leadersElected(admin: Admin, topic: string, partitions: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const led = topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0;
      if (led === partitions) return;
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable) throw error;
    }
    if (Date.now() > deadline) throw new Error(`${topic}: partitions without a leader after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
