import { afterAll, beforeAll } from 'vitest';
import { LocalKafkaCluster, type StartClusterOptions } from '../../scripts/kafka/broker.ts';

/**
 * Starts a cluster of the test file's own (for tests that stop, kill or freeze brokers without
 * disturbing the shared one) and stops it after the file. Returns a getter, valid in tests.
 */
export function useDedicatedCluster(options: StartClusterOptions): () => LocalKafkaCluster {
  let cluster: LocalKafkaCluster | undefined;
  beforeAll(async () => {
    cluster = await LocalKafkaCluster.start(options);
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error(`dedicated cluster ${options.name} did not start`);
    return cluster;
  };
}
