import { afterAll, beforeAll } from 'vitest';
import {
  type ProxiedKafkaCluster,
  type StartProxiedClusterOptions,
  startProxiedCluster,
} from '../../scripts/toxiproxy/proxied-cluster.ts';

/**
 * Starts a cluster of the test file's own behind Toxiproxy (see startProxiedCluster) and stops
 * it, with its Toxiproxy, after the file. Returns a getter, valid in tests.
 */
export function useProxiedCluster(options: StartProxiedClusterOptions): () => ProxiedKafkaCluster {
  let cluster: ProxiedKafkaCluster | undefined;
  beforeAll(async () => {
    cluster = await startProxiedCluster(options);
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error(`proxied cluster ${options.name} did not start`);
    return cluster;
  };
}
