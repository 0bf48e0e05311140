import type { SQSEvent } from 'aws-lambda';
import { describe, expect, inject, it } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { createSqsHandler } from '../../lib/lambda/sqs/handler.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { sqsRecordFromMessage } from '../../scripts/local/sqs-poller.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { createTopic } from '../support/topics.ts';

const brokers = inject('kafkaBrokers');

/**
 * The event as Lambda's runtime hands it over: parsed from the invocation's JSON text, so an
 * attribute named `__proto__` is an own property of messageAttributes.
 */
function asDelivered(event: SQSEvent, attributes: string): SQSEvent {
  return JSON.parse(
    JSON.stringify(event).replace('"messageAttributes":{}', `"messageAttributes":${attributes}`),
  );
}

function handlerFor(topic: string, extraEnv: Record<string, string> = {}) {
  const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic, ...extraEnv };
  const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
  return { handler: createSqsHandler({ env, warmWriter }), warmWriter };
}

describe('SQS bridge: attributes named like Object.prototype members', () => {
  it('writes SQS attributes __proto__ and constructor as Kafka headers kcat reads back', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const { handler, warmWriter } = handlerFor(topic);
    const event = asDelivered(
      sqsEvent([sqsRecord('body', { id: 'm-1' })]),
      '{"__proto__":{"stringValue":"proto-value","dataType":"String"},' +
        '"constructor":{"binaryValue":"AAH/","dataType":"Binary"}}',
    );

    const response = await handler(event, lambdaContext() as never);
    await warmWriter.close();

    expect(response.batchItemFailures).toEqual([]);
    const [record] = await consumeWithKcat(brokers, topic, { count: 1 });
    const headers = record?.headerList ?? [];
    expect(headers).toContainEqual(['__proto__', Buffer.from('proto-value')]);
    expect(headers).toContainEqual(['constructor', Buffer.from([0, 1, 255])]);
  });

  it('writes an SNS attribute named __proto__ as a Kafka header when unwrapping SNS', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const { handler, warmWriter } = handlerFor(topic, { SQS_UNWRAP_SNS: 'true' });
    const envelope =
      '{"Type":"Notification","MessageId":"sns-1","TopicArn":"arn:aws:sns:us-east-1:123456789012:orders",' +
      '"Message":"inner","MessageAttributes":{"__proto__":{"Type":"String","Value":"from-sns"}}}';

    const response = await handler(sqsEvent([sqsRecord(envelope)]), lambdaContext() as never);
    await warmWriter.close();

    expect(response.batchItemFailures).toEqual([]);
    const [record] = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(record?.value?.toString()).toBe('inner');
    expect(record?.headerList).toContainEqual(['__proto__', Buffer.from('from-sns')]);
  });

  it('the local event source keeps a __proto__ attribute, and survives one the AWS SDK left without a value', () => {
    const arn = 'arn:aws:sqs:us-east-1:123456789012:q';
    const parsed = JSON.parse('{"__proto__":{"DataType":"String","StringValue":"p"}}');
    const kept = sqsRecordFromMessage({ MessageId: 'm-1', Body: 'b', MessageAttributes: parsed }, arn);
    expect(Object.entries(kept.messageAttributes)).toEqual([
      ['__proto__', { stringValue: 'p', stringListValues: [], binaryListValues: [], dataType: 'String' }],
    ]);
    // What @aws-sdk/client-sqs returns from ReceiveMessage for that name (seen against moto).
    const fromSdk = Object.create(null);
    Object.defineProperty(fromSdk, '__proto__', { value: undefined, enumerable: true });
    fromSdk.x = { DataType: 'String', StringValue: 'x' };
    const record = sqsRecordFromMessage({ MessageId: 'm-2', Body: 'b', MessageAttributes: fromSdk }, arn);
    expect(Object.keys(record.messageAttributes)).toEqual(['x']);
  });
});
