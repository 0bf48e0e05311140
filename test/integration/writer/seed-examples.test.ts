import { describe, expect, inject, it } from 'vitest';
import { LeastBytes, RequiredAcks, Writer } from '../../../lib/index.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { createTopic, topicExists, uniqueTopic } from '../../support/topics.ts';

// The three examples of the kafka-go Writer seed document, in TypeScript, on the seed's own
// three brokers (localhost:9092-9094). README shows the same code.
const brokers = inject('kafkaBrokers');

const threeMessages = [
  { key: 'Key-A', value: 'Hello World!' },
  { key: 'Key-B', value: 'One!' },
  { key: 'Key-C', value: 'Two!' },
];

function keyValues(records: { key: Buffer | null; value: Buffer | null }[]) {
  return records.map((r) => `${r.key?.toString()}=${r.value?.toString()}`).sort();
}

describe('seed example 1: LeastBytes, RequireAll, async', () => {
  it('writes three keyed messages and close() delivers all of them', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const completed: string[] = [];
    const w = new Writer({
      brokers, // the seed's localhost:9092, localhost:9093, localhost:9094
      topic,
      balancer: new LeastBytes(),
      requiredAcks: RequiredAcks.All,
      async: true,
      completion: (messages, error) => {
        if (!error) completed.push(...messages.map((m) => String(m.key)));
      },
    });

    await w.writeMessages(threeMessages);
    await w.close();

    expect(completed.sort()).toEqual(['Key-A', 'Key-B', 'Key-C']);
    const records = await consumeWithKcat(brokers, topic, { count: 3 });
    expect(keyValues(records)).toEqual(['Key-A=Hello World!', 'Key-B=One!', 'Key-C=Two!']);
    // LeastBytes spreads three equal-sized messages over the three partitions.
    expect(new Set(records.map((r) => r.partition)).size).toBe(3);
  });
});

describe('seed example 2: allowAutoTopicCreation', () => {
  it('writes to a missing topic in one call, with no retry loop in the caller', async () => {
    const topic = uniqueTopic('auto');
    expect(await topicExists(brokers, topic)).toBe(false);
    const w = new Writer({ brokers, topic, allowAutoTopicCreation: true });

    const written = await w.writeMessages(threeMessages);
    await w.close();

    expect(written).toHaveLength(3);
    expect(await topicExists(brokers, topic)).toBe(true);
    const records = await consumeWithKcat(brokers, topic, { count: 3 });
    expect(keyValues(records)).toEqual(['Key-A=Hello World!', 'Key-B=One!', 'Key-C=Two!']);
  });
});

describe('seed example 3: a Writer without a topic', () => {
  it('writes each message to the topic it names', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => createTopic(brokers, { partitions: 1 })));
    const w = new Writer({ brokers, balancer: new LeastBytes() });

    await w.writeMessages([
      { topic: a, key: 'Key-A', value: 'Hello World!' },
      { topic: b, key: 'Key-B', value: 'One!' },
      { topic: c, key: 'Key-C', value: 'Two!' },
    ]);
    await w.close();

    expect(keyValues(await consumeWithKcat(brokers, a as string, { count: 1 }))).toEqual([
      'Key-A=Hello World!',
    ]);
    expect(keyValues(await consumeWithKcat(brokers, b as string, { count: 1 }))).toEqual(['Key-B=One!']);
    expect(keyValues(await consumeWithKcat(brokers, c as string, { count: 1 }))).toEqual(['Key-C=Two!']);
  });
});
