import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { clearContainerWarmWriter } from '../../lib/lambda/container.ts';
import { createEventBridgeHandler } from '../../lib/lambda/eventbridge/handler.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { UnknownTopicError } from '../../lib/writer/errors.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { lambdaContext } from '../support/sqs-events.ts';
import { createTopic, uniqueTopic } from '../support/topics.ts';

const brokers = inject('kafkaBrokers');

// Handlers built without a WarmWriter share the container's; each test starts from none.
afterEach(clearContainerWarmWriter);
const order = JSON.parse(
  readFileSync(new URL('../fixtures/eventbridge/custom-order-created.json', import.meta.url), 'utf8'),
);

describe('EventBridge target on a real broker', () => {
  it('writes the event with CloudEvents headers and answers where it landed', async () => {
    const topic = await createTopic(brokers);
    const env = {
      KAFKA_BROKERS: brokers.join(','),
      EVENTBRIDGE_TOPICS: JSON.stringify({ 'com.example.orders/*': topic }),
      EVENTBRIDGE_KEY: 'json:/detail/orderId',
    };
    const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    const handler = createEventBridgeHandler({ env, warmWriter });

    const landed = await handler(order, lambdaContext() as never);
    await warmWriter.close();

    const [record] = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(landed).toMatchObject({ topic, partition: record?.partition, offset: String(record?.offset) });
    expect(record?.key?.toString()).toBe('o-1001');
    expect(JSON.parse(String(record?.value))).toEqual(order.detail);
    expect(record?.headers.ce_id?.toString()).toBe(order.id);
    expect(record?.headers.ce_type?.toString()).toBe('OrderCreated');
    expect(record?.headers.ce_source?.toString()).toBe('com.example.orders');
  });

  it('throws when the write fails, so Lambda retries and the DLQ takes over', async () => {
    const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: uniqueTopic('missing') };
    const handler = createEventBridgeHandler({ env });

    await expect(handler(order, lambdaContext() as never)).rejects.toBeInstanceOf(UnknownTopicError);
  });

  it('throws when the broker cannot be reached', async () => {
    const env = {
      KAFKA_BROKERS: '127.0.0.1:1',
      KAFKA_TOPIC: 't',
      KAFKA_MAX_ATTEMPTS: '2',
      KAFKA_CONNECT_TIMEOUT_MS: '300',
    };
    const handler = createEventBridgeHandler({ env });

    await expect(handler(order, lambdaContext(5000) as never)).rejects.toThrow(/ECONNREFUSED/);
  });
});
