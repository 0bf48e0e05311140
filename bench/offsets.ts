import type { Admin } from 'kafkajs';

/**
 * Records in a topic (sum of partition end offsets): proves a peer delivered what it claims.
 * Asked again while leadership moves (NOT_LEADER answers), as a loaded multi-broker cluster does.
 */
export async function recordCount(admin: Admin, topic: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, p) => sum + Number(p.high), 0);
    } catch (error) {
      if (attempt >= 10 || !(error as { retriable?: boolean }).retriable) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Runs `work` and fails unless the topic grew by exactly `expected` records. */
export async function expectDelivered<T>(
  admin: Admin,
  topic: string,
  expected: number,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  const before = await recordCount(admin, topic);
  const result = await work();
  const grown = (await recordCount(admin, topic)) - before;
  if (grown !== expected)
    throw new Error(`${what}: expected ${expected} records in ${topic}, found ${grown}`);
  return result;
}
