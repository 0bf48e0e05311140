import { afterEach, describe, expect, inject, it } from 'vitest';
import { clearContainerWarmWriter } from '../../lib/lambda/container.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { sqsHandlerOn } from '../support/sqs-handler.ts';
import { createTopic } from '../support/topics.ts';

// Issue 10, points 1 and 2: only the record that fails may come back, and on a FIFO queue nothing
// of its group after it may reach Kafka.
const brokers = inject('kafkaBrokers');

afterEach(clearContainerWarmWriter);

const handlerFor = (topic: string, extraEnv: Record<string, string> = {}) =>
  sqsHandlerOn(brokers, topic, extraEnv);

const valuesOf = async (topic: string, count: number) =>
  (await consumeWithKcat(brokers, topic, { count, atLeast: true })).map((r) => r.value?.toString());

describe('SQS bridge: each record fares on its own', () => {
  it('hands back only a 1 MiB body (larger than KAFKA_BATCH_BYTES with its headers) and writes the nine others', async () => {
    const topic = await createTopic(brokers, { partitions: 3, config: { 'max.message.bytes': '2000000' } });
    const { handler, warmWriter } = handlerFor(topic);
    const records = Array.from({ length: 10 }, (_, i) =>
      sqsRecord(i === 4 ? 'x'.repeat(1_048_576) : `small-${i}`, { id: `m-${i}` }),
    );

    const response = await handler(sqsEvent(records), lambdaContext() as never);
    await warmWriter.close();

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-4' }]);
    const values = await valuesOf(topic, 9);
    expect(values.sort()).toEqual(
      records
        .filter((_, i) => i !== 4)
        .map((r) => r.body)
        .sort(),
    );
  });

  it('on FIFO, writes nothing of a group after a record that cannot be mapped, and hands all of them back', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const { handler, warmWriter } = handlerFor(topic, { SQS_KEY: 'attribute:x' });
    const attribute = (value: string) => ({ x: { dataType: 'String', stringValue: value } }) as never;
    const records = [0, 1, 2, 3].flatMap((i) =>
      ['A', 'B'].map((group) =>
        sqsRecord(`${group}${i}`, {
          id: `${group}${i}`,
          fifo: true,
          groupId: group,
          // B1 lacks the key attribute: it can never be mapped as configured.
          ...(group === 'B' && i === 1 ? {} : { attributes: attribute(group) }),
        }),
      ),
    );

    const response = await handler(sqsEvent(records), lambdaContext() as never);
    await warmWriter.close();

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['B1', 'B2', 'B3']);
    const values = await valuesOf(topic, 5);
    expect(values.filter((v) => v?.startsWith('A'))).toEqual(['A0', 'A1', 'A2', 'A3']);
    expect(values.filter((v) => v?.startsWith('B'))).toEqual(['B0']);
  });

  it('on FIFO, writes nothing of a group after a record the broker refuses as too large', async () => {
    const topic = await createTopic(brokers, { partitions: 3, config: { 'max.message.bytes': '4000' } });
    const { handler, warmWriter } = handlerFor(topic);
    const records = [0, 1, 2, 3].flatMap((i) =>
      ['A', 'B'].map((group) =>
        sqsRecord(group === 'B' && i === 1 ? 'p'.repeat(20_000) : `${group}${i}`, {
          id: `${group}${i}`,
          fifo: true,
          groupId: group,
        }),
      ),
    );

    const response = await handler(sqsEvent(records), lambdaContext() as never);
    await warmWriter.close();

    const handedBack = response.batchItemFailures.map((f) => f.itemIdentifier);
    expect(handedBack).toEqual(expect.arrayContaining(['B1', 'B2', 'B3']));
    const consumed = await consumeWithKcat(brokers, topic, { count: 1, atLeast: true });
    const groupB = consumed.filter((r) => r.key?.toString() === 'B').map((r) => r.value?.toString());
    expect(groupB).toEqual(['B0']);
    // What Kafka has is exactly what was not handed back.
    const inKafka = consumed.map((r) => r.value?.toString()).sort();
    expect(inKafka).toEqual(
      records
        .filter((r) => !handedBack.includes(r.messageId))
        .map((r) => r.body)
        .sort(),
    );
  });
});
