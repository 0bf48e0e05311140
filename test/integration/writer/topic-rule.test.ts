import { describe, expect, inject, it } from 'vitest';
import { MissingTopicError, TopicConflictError, Writer } from '../../../lib/index.ts';
import { countRecords, createTopic } from '../../support/topics.ts';

const brokers = inject('kafkaBrokers');

describe('Writer topic rule (Writer.topic xor Message.topic)', () => {
  it('rejects a call where both the writer and a message name a topic, writing nothing', async () => {
    const [writerTopic, messageTopic] = await Promise.all([createTopic(brokers), createTopic(brokers)]);
    const w = new Writer({ brokers, topic: writerTopic });

    const call = w.writeMessages([
      { key: 'ok', value: 'first message is fine' },
      { topic: messageTopic, key: 'bad', value: 'names a topic too' },
    ]);

    await expect(call).rejects.toBeInstanceOf(TopicConflictError);
    await expect(call).rejects.toMatchObject({ index: 1 });
    await w.close();
    expect(await countRecords(brokers, writerTopic)).toBe(0);
    expect(await countRecords(brokers, messageTopic as string)).toBe(0);
  });

  it('rejects a call where neither the writer nor a message names a topic, writing nothing', async () => {
    const topic = await createTopic(brokers);
    const w = new Writer({ brokers });

    const call = w.writeMessages([
      { topic, key: 'ok', value: 'has a topic' },
      { key: 'bad', value: 'has none' },
    ]);

    await expect(call).rejects.toBeInstanceOf(MissingTopicError);
    await expect(call).rejects.toThrow(/message 1 has no topic/);
    await w.close();
    expect(await countRecords(brokers, topic)).toBe(0);
  });
});
