import { describe, expect, inject, it } from 'vitest';
import { Compression, Writer } from '../../../lib/index.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { createTopic } from '../../support/topics.ts';

const brokers = inject('kafkaBrokers');

describe('Writer compression, read back by kcat (librdkafka)', () => {
  it.each(Object.values(Compression))(
    'writes %s batches that a peer client decodes intact',
    async (compression) => {
      const topic = await createTopic(brokers, { partitions: 2 });
      const w = new Writer({ brokers, topic, compression, batchSize: 50 });
      const messages = Array.from({ length: 120 }, (_, i) => ({
        key: i % 10 === 0 ? null : `key-${i}`,
        value:
          i % 7 === 0
            ? Buffer.from(Array.from({ length: 300 }, (_, b) => (b * i) % 256))
            : `{"n":${i},"pad":"${'ab'.repeat(i)}"}`,
        headers: { n: String(i) },
      }));

      await w.writeMessages(messages);
      await w.close();

      const consumed = await consumeWithKcat(brokers, topic, { count: messages.length });
      const byHeader = new Map(consumed.map((r) => [r.headers.n?.toString(), r]));
      for (const [i, message] of messages.entries()) {
        const record = byHeader.get(String(i));
        expect(record?.key, `key of message ${i}`).toEqual(
          message.key === null ? null : Buffer.from(message.key),
        );
        expect(record?.value, `value of message ${i}`).toEqual(Buffer.from(message.value));
      }
    },
  );
});
