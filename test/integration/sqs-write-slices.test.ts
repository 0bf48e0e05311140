import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { clearContainerWarmWriter } from '../../lib/lambda/container.ts';
import { createSqsHandler, type SqsHandlerOptions } from '../../lib/lambda/sqs/handler.ts';
import { type InvocationContext, type WarmWriteOptions, WarmWriter } from '../../lib/lambda/warm-writer.ts';
import {
  SchemaRegistryError,
  SchemaValidationError,
  type ValueSerializer,
} from '../../lib/schema/value-serializer.ts';
import type { Message, MessageBytes } from '../../lib/writer/message.ts';
import { type RecordMetadata, Writer } from '../../lib/writer/writer.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { countRecords, createTopic } from '../support/topics.ts';

// A large SQS batch is written in slices (lib/lambda/sqs/handler.ts): each record still fares on
// its own, and a slice that wrote nothing for a reason not its records' own ends the writing.
const brokers = inject('kafkaBrokers');

afterEach(clearContainerWarmWriter);

/** A WarmWriter that records the size of every call the handler makes. */
class CountingWarmWriter extends WarmWriter {
  readonly calls: number[] = [];
  /** Runs after each call has settled (written or failed). */
  afterCall: () => void = () => {};

  override async write(
    messages: readonly Message[],
    context: InvocationContext,
    options?: WarmWriteOptions,
  ): Promise<RecordMetadata[]> {
    this.calls.push(messages.length);
    try {
      return await super.write(messages, context, options);
    } finally {
      this.afterCall();
    }
  }
}

function slicedHandler(env: Record<string, string>, options: Partial<SqsHandlerOptions> = {}) {
  const warmWriter = new CountingWarmWriter({ config: readKafkaConfig(env).config });
  const handler = createSqsHandler({ env, warmWriter, ...options });
  return { handler, warmWriter };
}

const envFor = (topic: string) => ({ KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic });

const records = (count: number, body: (i: number) => string = (i) => `body-${i}`) =>
  Array.from({ length: count }, (_, i) => sqsRecord(body(i), { id: `m-${i}` }));

const ids = (response: { batchItemFailures: Array<{ itemIdentifier: string }> }) =>
  response.batchItemFailures.map((f) => f.itemIdentifier);

const valuesIn = async (topic: string, count: number) =>
  (await consumeWithKcat(brokers, topic, { count, atLeast: true })).map((r) => r.value?.toString()).sort();

/** A serializer that refuses or cannot check the values `refuse` picks; the others pass as they are. */
function serializerRefusing(refuse: (value: string) => Error | undefined): ValueSerializer {
  return {
    async serialize(_topic: string, value: MessageBytes | null) {
      const text = value === null ? '' : value.toString();
      const error = refuse(text);
      if (error) throw error;
      return { value: Buffer.from(text) };
    },
  };
}

describe('SQS bridge: a large batch in slices', () => {
  it('writes 25 records in calls of 10, 10 and 5, each record once', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const { handler, warmWriter } = slicedHandler(envFor(topic), { writeSliceRecords: 10 });
    const batch = records(25);

    const response = await handler(sqsEvent(batch), lambdaContext() as never);
    await warmWriter.close();

    expect(ids(response)).toEqual([]);
    expect(warmWriter.calls).toEqual([10, 10, 5]);
    expect(await valuesIn(topic, 25)).toEqual(batch.map((r) => r.body).sort());
    expect(await countRecords(brokers, topic)).toBe(25);
  });

  it('goes on after a slice that failed in part: only the refused record comes back', async () => {
    const topic = await createTopic(brokers, { partitions: 3, config: { 'max.message.bytes': '4000' } });
    const { handler, warmWriter } = slicedHandler(envFor(topic), { writeSliceRecords: 5 });
    const batch = records(10, (i) => (i === 3 ? 'p'.repeat(20_000) : `body-${i}`));

    const response = await handler(sqsEvent(batch), lambdaContext() as never);
    await warmWriter.close();

    expect(ids(response)).toEqual(['m-3']);
    expect(warmWriter.calls).toEqual([5, 5]);
    expect(await valuesIn(topic, 9)).toEqual(
      batch
        .filter((_, i) => i !== 3)
        .map((r) => r.body)
        .sort(),
    );
  });

  it('goes on after a slice the schema refused whole: those records are the sender’s mistake', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const valueSerializer = serializerRefusing((value) =>
      value.startsWith('bad') ? new SchemaValidationError('not an order', '/id') : undefined,
    );
    const { handler, warmWriter } = slicedHandler(envFor(topic), { writeSliceRecords: 5, valueSerializer });
    const batch = records(10, (i) => (i < 5 ? `bad-${i}` : `good-${i}`));

    const response = await handler(sqsEvent(batch), lambdaContext() as never);
    await warmWriter.close();

    expect(ids(response)).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4']);
    expect(warmWriter.calls).toEqual([5, 5]);
    expect(await valuesIn(topic, 5)).toEqual(['good-5', 'good-6', 'good-7', 'good-8', 'good-9']);
  });

  it('stops after a slice of which Kafka took nothing: the rest go back unwritten', async () => {
    const env = {
      KAFKA_BROKERS: '127.0.0.1:1',
      KAFKA_TOPIC: 'unreachable',
      KAFKA_MAX_ATTEMPTS: '2',
      KAFKA_CONNECT_TIMEOUT_MS: '300',
    };
    const { handler, warmWriter } = slicedHandler(env, { writeSliceRecords: 2 });

    const response = await handler(sqsEvent(records(6)), lambdaContext(5000) as never);
    await warmWriter.close();

    expect(ids(response)).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4', 'm-5']);
    expect(warmWriter.calls).toEqual([2]);
  });

  it('stops after a slice the schema registry could not check: the rest go back unwritten', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const valueSerializer = serializerRefusing(() => new SchemaRegistryError('registry unavailable'));
    const { handler, warmWriter } = slicedHandler(envFor(topic), { writeSliceRecords: 5, valueSerializer });

    const response = await handler(sqsEvent(records(12)), lambdaContext() as never);
    await warmWriter.close();

    expect(ids(response)).toEqual(records(12).map((r) => r.messageId));
    expect(warmWriter.calls).toEqual([5]);
    expect(await countRecords(brokers, topic)).toBe(0);
  });

  it('hands the rest back unwritten when a slice leaves no time for the next', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const { handler, warmWriter } = slicedHandler(envFor(topic), { writeSliceRecords: 4 });
    let remainingMs = 30_000;
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => remainingMs } as Context;
    // The first slice is written in time, then the invocation's time is up (within the margin).
    warmWriter.afterCall = () => {
      remainingMs = 100;
    };
    const batch = records(10);

    const response = await handler(sqsEvent(batch), context as never);
    await warmWriter.close();

    expect(warmWriter.calls).toEqual([4]);
    expect(ids(response)).toEqual(['m-4', 'm-5', 'm-6', 'm-7', 'm-8', 'm-9']);
    expect(await valuesIn(topic, 4)).toEqual(batch.slice(0, 4).map((r) => r.body));
    expect(await countRecords(brokers, topic)).toBe(4);
  });

  it('writes a FIFO batch in one call, so a group broken early has none of its later records written', async () => {
    const topic = await createTopic(brokers, { partitions: 3, config: { 'max.message.bytes': '4000' } });
    const { handler, warmWriter } = slicedHandler(envFor(topic), { writeSliceRecords: 2 });
    const batch = [0, 1, 2, 3].flatMap((i) =>
      ['A', 'B'].map((group) =>
        sqsRecord(group === 'B' && i === 0 ? 'p'.repeat(20_000) : `${group}${i}`, {
          id: `${group}${i}`,
          fifo: true,
          groupId: group,
        }),
      ),
    );

    const response = await handler(sqsEvent(batch), lambdaContext() as never);
    await warmWriter.close();

    expect(warmWriter.calls).toEqual([8]);
    // A's records come back too when A shares B's partition (the Writer stops the partition).
    const handedBack = ids(response);
    expect(handedBack).toEqual(expect.arrayContaining(['B0', 'B1', 'B2', 'B3']));
    const notHandedBack = batch.filter((r) => !handedBack.includes(r.messageId)).map((r) => r.body);
    expect(await countRecords(brokers, topic)).toBe(notHandedBack.length);
    if (notHandedBack.length > 0) {
      expect(await valuesIn(topic, notHandedBack.length)).toEqual(notHandedBack.sort());
    }
  });

  it('behind an async Writer, answers only once every slice is in Kafka', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const env = envFor(topic);
    // Batches that would wait a minute to fill: only the flush after each slice sends them.
    const warmWriter = new WarmWriter({
      config: readKafkaConfig(env).config,
      createWriter: (options) => new Writer({ ...options, async: true, batchTimeoutMs: 60_000 }),
    });
    const handler = createSqsHandler({ env, warmWriter, writeSliceRecords: 10 });

    const response = await handler(sqsEvent(records(25)), lambdaContext() as never);
    const inKafka = await countRecords(brokers, topic);
    await warmWriter.close();

    expect(ids(response)).toEqual([]);
    expect(inKafka).toBe(25);
  });

  it('refuses a slice size that is not a whole number >= 1', () => {
    const env = envFor('any');
    for (const writeSliceRecords of [0, -1, 2.5, Number.NaN]) {
      expect(() => createSqsHandler({ env, writeSliceRecords })).toThrow(
        /writeSliceRecords must be a whole number >= 1/,
      );
    }
  });
});
