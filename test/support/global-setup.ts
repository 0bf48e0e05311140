import type { TestProject } from 'vitest/node';
import { LocalKafkaCluster } from '../../scripts/kafka/broker.ts';

let cluster: LocalKafkaCluster | undefined;

/**
 * Starts the seed's three-broker cluster (9092-9094) for the whole run. If it cannot start the
 * run fails here with the broker's log tail: integration tests never skip silently.
 */
export async function setup(project: TestProject): Promise<void> {
  // TEST_KAFKA_BASE_PORT lets two test runs on one machine use separate clusters.
  const basePort = Number(process.env.TEST_KAFKA_BASE_PORT ?? 9092);
  const name = basePort === 9092 ? 'cluster' : `cluster-${basePort}`;
  cluster = await LocalKafkaCluster.start({ name, nodeCount: 3, basePort });
  project.provide('kafkaBrokers', cluster.brokers);
  project.provide('kafkaSaslSslBrokers', cluster.saslSslBrokers);
  project.provide('kafkaCaPem', cluster.caPem());
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    kafkaSaslSslBrokers: string[];
    kafkaCaPem: string;
  }
}
