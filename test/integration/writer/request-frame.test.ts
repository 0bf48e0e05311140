import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { RequiredAcks, Writer } from '../../../lib/index.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { createTopic } from '../../support/topics.ts';

const brokers = inject('kafkaBrokers');
const MiB = 2 ** 20;

// The Writer frames Produce requests itself (lib/writer/wire/request-frame.ts) and sends them
// through kafkajs' connection queue (kafkajs-send-frame.ts): these check that frame on a real broker.
describe('Writer, Produce requests framed once', () => {
  it('writes a request of several megabytes that the broker takes whole and a peer reads byte for byte', async () => {
    const topic = await createTopic(brokers, {
      partitions: 1,
      config: { 'max.message.bytes': String(8 * MiB) },
    });
    const w = new Writer({ brokers, topic, batchBytes: 8 * MiB });
    const values = [randomBytes(2 * MiB), randomBytes(2 * MiB), randomBytes(2 * MiB)];

    const written = await w.writeMessages(values.map((value, i) => ({ key: `k${i}`, value })));
    await w.close();

    expect(written.map((r) => r.offset)).toEqual(['0', '1', '2']);
    const consumed = await consumeWithKcat(brokers, topic, {
      count: 3,
      config: { 'fetch.message.max.bytes': String(8 * MiB) },
    });
    consumed.forEach((record, i) => {
      expect(record.key?.toString()).toBe(`k${i}`);
      expect(record.value?.equals(values[i] as Buffer), `value ${i}`).toBe(true);
    });
  }, 60_000);

  it('writes with acks=None, where the broker answers nothing and offsets are unknown', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const w = new Writer({ brokers, topic, requiredAcks: RequiredAcks.None });

    const written = await w.writeMessages([{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    await w.close();

    expect(written.map((r) => r.offset)).toEqual(['-1', '-1', '-1']);
    const consumed = await consumeWithKcat(brokers, topic, { count: 3 });
    expect(consumed.map((r) => r.value?.toString())).toEqual(['a', 'b', 'c']);
  });
});
