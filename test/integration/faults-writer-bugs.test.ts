import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Writer } from '../../lib/index.ts';
import { useDedicatedCluster } from '../support/dedicated-cluster.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { moveLeadership } from '../support/leadership.ts';
import { countRecords, createTopic } from '../support/topics.ts';

// Two Writer bugs the fault runs of issue 5 found (docs/FAULTS.md), reduced to deterministic
// reproductions: they failed until 92d6bec fixed lib/writer, and now guard against their return.
const cluster = useDedicatedCluster({ name: 'faults-bugs', nodeCount: 3, basePort: 28092 });

const five = (prefix: string) => Array.from({ length: 5 }, (_, i) => ({ value: `${prefix}-${i}` }));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe('Writer under broker faults (regressions found by the fault runs)', () => {
  it('an idempotent Writer never gives a batch that may have landed sequence numbers another batch reuses, so the next batch is written, not dropped as its duplicate', async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 1, replicationFactor: 3 });
    const leader = await kafka.leaderOf(topic, 0);
    const followers = kafka.nodeIds().filter((node) => node !== leader);
    // Replication running first: on a new topic the followers may not fetch yet, and the test
    // Writer's warm-up (acks=all within 1 s, one attempt) then timed out in one CI run.
    const primer = new Writer({ brokers: kafka.brokers, topic });
    await primer.writeMessages([{ value: 'primer' }]);
    await primer.close();
    const w = new Writer({
      brokers: kafka.brokers,
      topic,
      idempotent: true,
      writeTimeoutMs: 1_000,
      maxAttempts: 1,
    });
    try {
      await w.writeMessages(five('warm-up'));
      // With both followers frozen the leader appends batch A but cannot reach acks=all in time:
      // REQUEST_TIMED_OUT, "may have been written".
      for (const node of followers) await kafka.pauseNode(node);
      const failed = await w.writeMessages(five('A')).catch((error: unknown) => error);
      for (const node of followers) await kafka.resumeNode(node);
      expect(String(failed)).toContain('REQUEST_TIMED_OUT');
      await waitFor('A to be replicated', async () => (await countRecords(kafka.brokers, topic)) === 11);

      // B has A's size; if it is sent with A's sequence numbers the broker takes it for A's retry,
      // answers with A's offsets and never writes it.
      const acknowledged = await w.writeMessages(five('B'));

      const values = (await consumeWithKcat(kafka.brokers, topic, { count: 10, atLeast: true })).map((r) =>
        r.value?.toString(),
      );
      expect(acknowledged).toHaveLength(5);
      expect(values).toEqual(expect.arrayContaining(five('B').map((m) => m.value)));
    } finally {
      await w.close();
    }
  }, 90_000);

  it('a NOT_LEADER_FOR_PARTITION answer makes the Writer refresh its metadata, so it follows a leader that moved while the old one stayed up', async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 1, replicationFactor: 3 });
    const leader = await kafka.leaderOf(topic, 0);
    const w = new Writer({ brokers: kafka.brokers, topic });
    try {
      await w.writeMessages([{ value: 'before the move' }]);
      // What auto.leader.rebalance.enable or an operator's kafka-leader-election does: leadership
      // moves to another replica while the old leader keeps running and answering.
      const next = await moveLeadership(kafka.brokers, topic, 0, leader);

      const written = await w.writeMessages([{ value: 'after the move' }], { timeoutMs: 20_000 });

      expect(await kafka.leaderOf(topic, 0)).toBe(next);
      expect(written).toHaveLength(1);
    } finally {
      await w.close();
    }
  }, 90_000);
});
