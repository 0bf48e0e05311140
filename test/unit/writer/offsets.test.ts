import { describe, expect, it } from 'vitest';
import { RequiredAcks } from '../../../lib/writer/required-acks.ts';
import type { KafkaTransport, PartitionBatch } from '../../../lib/writer/transport.ts';
import { Writer } from '../../../lib/writer/writer.ts';

/**
 * A transport answering every batch with a chosen base offset. A fake because a real broker
 * cannot be made to hand out offsets past 2^53 on demand; the ordinary offsets are covered by the
 * integration tests against the broker.
 */
function transportAnswering(baseOffset: string): KafkaTransport & { batches: PartitionBatch[] } {
  const batches: PartitionBatch[] = [];
  return {
    batches,
    connect: async () => {},
    partitions: async () => [0],
    createTopic: async () => {},
    produce: async (batch) => {
      batches.push(batch);
      return { baseOffset };
    },
    disconnect: async () => {},
  };
}

const five = Array.from({ length: 5 }, (_, i) => ({ value: `m${i}` }));

describe("the Writer's per-message offsets", () => {
  it('count up from the base offset the broker answers', async () => {
    const transport = transportAnswering('41');
    const writer = new Writer({ brokers: ['127.0.0.1:9'], topic: 't', transport });
    const written = await writer.writeMessages(five);
    await writer.close();
    expect(transport.batches).toHaveLength(1);
    expect(written.map((r) => r.offset)).toEqual(['41', '42', '43', '44', '45']);
  });

  it('stay exact past 2^53, where a JavaScript number would round', async () => {
    const transport = transportAnswering('9007199254740990'); // 2^53 - 2
    const writer = new Writer({ brokers: ['127.0.0.1:9'], topic: 't', transport });
    const written = await writer.writeMessages(five);
    await writer.close();
    expect(written.map((r) => r.offset)).toEqual([
      '9007199254740990',
      '9007199254740991',
      '9007199254740992',
      '9007199254740993',
      '9007199254740994',
    ]);
  });

  it('are -1 for every message when acks=None (the broker answers nothing)', async () => {
    const transport = transportAnswering('-1');
    const writer = new Writer({
      brokers: ['127.0.0.1:9'],
      topic: 't',
      transport,
      requiredAcks: RequiredAcks.None,
    });
    const written = await writer.writeMessages(five);
    await writer.close();
    expect(written.map((r) => r.offset)).toEqual(['-1', '-1', '-1', '-1', '-1']);
  });
});
