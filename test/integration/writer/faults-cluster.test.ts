import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RequiredAcks, Writer } from '../../../lib/index.ts';
import { useDedicatedCluster } from '../../support/dedicated-cluster.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { createTopic } from '../../support/topics.ts';

// Three brokers of this file's own (RF 3, min.insync.replicas 2), so killing one disturbs no
// other test file.
const cluster = useDedicatedCluster({ name: 'faults-cluster', nodeCount: 3, basePort: 22092 });

describe('Writer on a three-broker cluster losing a broker', () => {
  it('keeps writing with acks=all when the partition leader is killed, and loses nothing', async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 1, replicationFactor: 3 });
    const leader = await kafka.leaderOf(topic, 0);
    const w = new Writer({
      brokers: kafka.brokers,
      topic,
      requiredAcks: RequiredAcks.All,
      maxAttempts: 30,
      writeBackoffMinMs: 50,
      writeBackoffMaxMs: 500,
    });
    const acknowledged: string[] = [];
    let failedCalls = 0;

    const producing = (async () => {
      for (let batch = 0; batch < 80; batch++) {
        const ids = Array.from({ length: 25 }, (_, i) => `b${batch}-m${i}`);
        try {
          await w.writeMessages(ids.map((id) => ({ value: id })));
          acknowledged.push(...ids);
        } catch {
          failedCalls++;
        }
        await sleep(25);
      }
    })();
    await sleep(700);
    await kafka.killNode(leader);
    await producing;
    await w.close();
    await kafka.startNode(leader);

    const consumed = await consumeWithKcat(kafka.brokers, topic, {
      count: acknowledged.length,
      atLeast: true,
    });
    const seen = new Set(consumed.map((r) => r.value?.toString()));
    expect(acknowledged.filter((id) => !seen.has(id))).toEqual([]);
    // The other two replicas keep min.insync.replicas, so the Writer's retries absorb the move.
    expect(failedCalls).toBe(0);
    expect(acknowledged).toHaveLength(80 * 25);
    expect(await kafka.leaderOf(topic, 0)).not.toBe(-1);
  });
});
