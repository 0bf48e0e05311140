import { describe, expect, it } from 'vitest';
import type { ResolvedMessage } from '../../../lib/writer/message.ts';
import { planBatches } from '../../../lib/writer/plan-batches.ts';

function message(topic: string, size: number): ResolvedMessage {
  return { topic, key: null, value: null, headers: undefined, timestampMs: 0, size };
}

describe('planBatches', () => {
  it('groups by topic and partition, keeping call order within each', () => {
    const messages = [message('a', 10), message('b', 10), message('a', 10), message('a', 10)];
    const plan = planBatches(messages, [0, 0, 1, 0], 100, 1000);
    expect(plan.map((batches) => batches.map((b) => [b.topic, b.partition, b.indices]))).toEqual([
      [['a', 0, [0, 3]]],
      [['b', 0, [1]]],
      [['a', 1, [2]]],
    ]);
  });

  it('cuts a partition into batches of at most batchSize messages', () => {
    const messages = Array.from({ length: 5 }, () => message('a', 1));
    const [batches] = planBatches(messages, [0, 0, 0, 0, 0], 2, 1000);
    expect(batches?.map((b) => b.indices)).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('cuts a partition into batches of at most batchBytes', () => {
    const messages = [message('a', 60), message('a', 60), message('a', 30)];
    const [batches] = planBatches(messages, [0, 0, 0], 100, 100);
    expect(batches?.map((b) => [b.indices, b.bytes])).toEqual([
      [[0], 60],
      [[1, 2], 90],
    ]);
  });
});
