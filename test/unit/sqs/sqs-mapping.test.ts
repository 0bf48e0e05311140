import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/config/errors.ts';
import { readSqsConfig } from '../../../lib/config/sqs-config.ts';
import { createSqsHandler } from '../../../lib/lambda/sqs/handler.ts';
import { batchItemFailures } from '../../../lib/lambda/sqs/partial-batch.ts';
import { MappingError } from '../../../lib/mapping/errors.ts';
import { SQS_HEADERS, sqsRecordToMessage } from '../../../lib/mapping/sqs.ts';
import { sqsRecord } from '../../support/sqs-events.ts';

const defaults = { key: { from: 'default' as const }, unwrapSns: false };

describe('sqsRecordToMessage', () => {
  it('puts the body in the value and the source ids and sent time in headers', () => {
    const message = sqsRecordToMessage(
      sqsRecord('{"order":1}', { id: 'm-1', sentTimestamp: 1_700_000_123_456 }),
      defaults,
    );
    expect(message.value).toBe('{"order":1}');
    expect(message.key).toBeNull();
    expect(message.headers?.[SQS_HEADERS.messageId]).toBe('m-1');
    expect(message.headers?.[SQS_HEADERS.sentTimestamp]).toBe('1700000123456');
    expect(message.time).toBeUndefined(); // write time: an old sent time could fall outside retention
  });

  it.each([
    ['String', { stringValue: 'abc', dataType: 'String' }, 'abc'],
    ['Number', { stringValue: '42.5', dataType: 'Number' }, '42.5'],
    ['custom Number', { stringValue: '7', dataType: 'Number.int' }, '7'],
    [
      'Binary',
      { binaryValue: Buffer.from([0, 1, 255]).toString('base64'), dataType: 'Binary' },
      Buffer.from([0, 1, 255]),
    ],
  ])('turns a %s message attribute into a header', (_name, attribute, expected) => {
    const record = sqsRecord('x', {
      attributes: { attr: { stringListValues: [], binaryListValues: [], ...attribute } },
    });
    expect(sqsRecordToMessage(record, defaults).headers?.attr).toEqual(expected);
  });

  it('keys FIFO records by MessageGroupId by default, standard records not at all', () => {
    expect(sqsRecordToMessage(sqsRecord('x', { fifo: true, groupId: 'g-7' }), defaults).key).toBe('g-7');
    expect(sqsRecordToMessage(sqsRecord('x'), defaults).key).toBeNull();
  });

  it('keys by a message attribute when configured, and fails a record without it', () => {
    const config = { key: { from: 'attribute' as const, name: 'tenant' }, unwrapSns: false };
    const record = sqsRecord('x', {
      attributes: {
        tenant: { stringValue: 't-1', dataType: 'String', stringListValues: [], binaryListValues: [] },
      },
    });
    expect(sqsRecordToMessage(record, config).key).toBe('t-1');
    expect(() => sqsRecordToMessage(sqsRecord('x'), config)).toThrow(MappingError);
  });

  it('unwraps an SNS notification: its Message is the value, its attributes headers', () => {
    const envelope = {
      Type: 'Notification',
      MessageId: 'sns-1',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders',
      Message: '{"order":2}',
      Timestamp: '2026-11-25T00:00:00.000Z',
      MessageAttributes: {
        kind: { Type: 'String', Value: 'created' },
        blob: { Type: 'Binary', Value: 'AAE=' },
      },
    };
    const message = sqsRecordToMessage(sqsRecord(JSON.stringify(envelope)), { ...defaults, unwrapSns: true });
    expect(message.value).toBe('{"order":2}');
    expect(message.headers?.[SQS_HEADERS.snsTopicArn]).toBe(envelope.TopicArn);
    expect(message.headers?.kind).toBe('created');
    expect(message.headers?.blob).toEqual(Buffer.from([0, 1]));
    expect(message.headers?.['sns-timestamp']).toBe('2026-11-25T00:00:00.000Z');
  });

  // Lambda's runtime builds the event with JSON.parse, which makes "__proto__" an own property.
  it('keeps message attributes named __proto__ and constructor as headers, SQS and SNS alike', () => {
    const record = JSON.parse(
      JSON.stringify(sqsRecord('x')).replace(
        '"messageAttributes":{}',
        '"messageAttributes":{"__proto__":{"stringValue":"p","dataType":"String"},' +
          '"constructor":{"binaryValue":"AAE=","dataType":"Binary"}}',
      ),
    );
    const sqsHeaders = sqsRecordToMessage(record, defaults).headers ?? {};
    expect(Object.entries(sqsHeaders)).toContainEqual(['__proto__', 'p']);
    expect(Object.entries(sqsHeaders)).toContainEqual(['constructor', Buffer.from([0, 1])]);

    const envelope =
      '{"Type":"Notification","MessageId":"sns-1","TopicArn":"arn:aws:sns:us-east-1:123456789012:t",' +
      '"Message":"m","MessageAttributes":{"__proto__":{"Type":"Binary","Value":"AAE="}}}';
    const snsHeaders =
      sqsRecordToMessage(sqsRecord(envelope), { ...defaults, unwrapSns: true }).headers ?? {};
    expect(Object.entries(snsHeaders)).toContainEqual(['__proto__', Buffer.from([0, 1])]);
  });

  it('keys by an attribute named like an Object.prototype member only when the record has it', () => {
    const config = (name: string) => ({ key: { from: 'attribute' as const, name }, unwrapSns: false });
    const record = JSON.parse(
      JSON.stringify(sqsRecord('x')).replace(
        '"messageAttributes":{}',
        '"messageAttributes":{"__proto__":{"stringValue":"k-1","dataType":"String"}}',
      ),
    );
    expect(sqsRecordToMessage(record, config('__proto__')).key).toBe('k-1');
    expect(() => sqsRecordToMessage(sqsRecord('x'), config('__proto__'))).toThrow(MappingError);
    expect(() => sqsRecordToMessage(sqsRecord('x'), config('constructor'))).toThrow(MappingError);
  });

  it.each(['not json', '{"Type":"SubscriptionConfirmation"}', '{"Message":"raw delivery"}'])(
    'fails a record that is not an SNS notification when unwrapping: %s',
    (body) => {
      expect(() => sqsRecordToMessage(sqsRecord(body), { ...defaults, unwrapSns: true })).toThrow(
        MappingError,
      );
    },
  );
});

describe('batchItemFailures', () => {
  it('hands back exactly the failed records of a standard queue', () => {
    const records = ['a', 'b', 'c'].map((id) => sqsRecord(id, { id }));
    expect(batchItemFailures(records, new Set([1]))).toEqual([{ itemIdentifier: 'b' }]);
  });

  it('on FIFO, hands back the rest of a group after its first failure, and only that group', () => {
    const records = [
      sqsRecord('1', { id: 'g1-1', fifo: true, groupId: 'g1' }),
      sqsRecord('2', { id: 'g2-1', fifo: true, groupId: 'g2' }),
      sqsRecord('3', { id: 'g1-2', fifo: true, groupId: 'g1' }),
      sqsRecord('4', { id: 'g2-2', fifo: true, groupId: 'g2' }),
      sqsRecord('5', { id: 'g1-3', fifo: true, groupId: 'g1' }),
    ];
    expect(batchItemFailures(records, new Set([2])).map((f) => f.itemIdentifier)).toEqual(['g1-2', 'g1-3']);
  });
});

describe('SQS config', () => {
  it('reports every problem at once at cold start', () => {
    const call = () =>
      createSqsHandler({ env: { KAFKA_AUTH: 'scram-sha-512', SQS_KEY: 'bogus', KAFKA_ACKS: 'most' } });
    expect(call).toThrow(ConfigError);
    try {
      call();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/KAFKA_BROKERS is required/);
      expect(problems).toMatch(/KAFKA_SECRET_ARN/);
      expect(problems).toMatch(/KAFKA_ACKS/);
      expect(problems).toMatch(/KAFKA_TOPIC is required/);
      expect(problems).toMatch(/SQS_KEY/);
    }
  });

  it('reads attribute keys and SNS unwrapping', () => {
    const { config, problems } = readSqsConfig({
      KAFKA_TOPIC: 't',
      SQS_KEY: 'attribute:tenant',
      SQS_UNWRAP_SNS: 'true',
    });
    expect(problems).toEqual([]);
    expect(config).toEqual({ topic: 't', key: { from: 'attribute', name: 'tenant' }, unwrapSns: true });
  });
});
