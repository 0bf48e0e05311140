import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { vi } from 'vitest';
import { ensureKafkaJars } from '../../scripts/kafka/install.ts';

const run = promisify(execFile);

/**
 * Moves a partition's leadership to another replica while the old leader keeps running, as an
 * operator's kafka-leader-election or auto.leader.rebalance.enable does: reorders the replicas so
 * `to` (default: the first replica that is not `from`) is preferred, then runs Kafka's own
 * LeaderElectionCommand (PREFERRED). Resolves with the new leader.
 */
export async function moveLeadership(
  brokers: string[],
  topic: string,
  partition: number,
  from: number,
  to?: number,
): Promise<number> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const replicas = topics[0]?.partitions.find((p) => p.partitionId === partition)?.replicas ?? [];
    const target = to ?? (replicas.find((node) => node !== from) as number);
    await admin.alterPartitionReassignments({
      topics: [
        {
          topic,
          partitionAssignment: [{ partition, replicas: [target, ...replicas.filter((n) => n !== target)] }],
        },
      ],
    });
    await vi.waitFor(
      async () => {
        const { topics: pending } = await admin.listPartitionReassignments({});
        if (pending.length > 0) throw new Error(`reassignment of ${topic} still pending`);
      },
      { timeout: 30_000, interval: 250 },
    );
    const libs = await ensureKafkaJars();
    await run(process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java', [
      '-cp',
      `${libs}/*`,
      'org.apache.kafka.tools.LeaderElectionCommand',
      '--bootstrap-server',
      brokers[0] as string,
      '--election-type',
      'PREFERRED',
      '--topic',
      topic,
      '--partition',
      String(partition),
    ]);
    return target;
  } finally {
    await admin.disconnect();
  }
}
