import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readEventBridgeConfig } from '../../../lib/config/eventbridge-config.ts';
import { MappingError } from '../../../lib/mapping/errors.ts';
import { type BridgeEvent, eventBridgeEventToMessage } from '../../../lib/mapping/eventbridge.ts';

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../fixtures/eventbridge/${name}.json`, import.meta.url), 'utf8'),
  ) as BridgeEvent;
const ec2 = fixture('ec2-instance-state-change');
const order = fixture('custom-order-created');

function configOf(env: Record<string, string>) {
  const { config, problems } = readEventBridgeConfig(env);
  expect(problems).toEqual([]);
  return config;
}

describe('eventBridgeEventToMessage', () => {
  it('writes the detail as JSON with CloudEvents Kafka binding headers', () => {
    const message = eventBridgeEventToMessage(ec2, configOf({ KAFKA_TOPIC: 'events' }));
    expect(message.topic).toBe('events');
    expect(JSON.parse(String(message.value))).toEqual(ec2.detail);
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: ec2.id,
      ce_source: 'aws.ec2',
      ce_type: 'EC2 Instance State-change Notification',
      ce_time: '2021-11-11T21:29:54Z',
      ce_subject: 'arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111',
      ce_awsaccount: '123456789012',
      ce_awsregion: 'us-east-1',
      'content-type': 'application/json',
    });
    expect(message.key).toBe(ec2.id); // default EVENTBRIDGE_KEY=json:/id
    expect(message.time).toBeUndefined(); // the broker stamps write time; ce_time carries the event's
  });

  it('keys by the event as Lambda parsed it: string ids keep every digit, numbers beyond 2^53 arrive rounded', () => {
    // Lambda's runtime parses the event before the bridge sees it; nothing can recover the digits.
    const event = JSON.parse(
      JSON.stringify(order).replace(
        '"orderId":"o-1001"',
        '"orderId":820982911946154511,"ref":"820982911946154511"',
      ),
    ) as BridgeEvent;
    const keyAt = (pointer: string) =>
      eventBridgeEventToMessage(event, configOf({ KAFKA_TOPIC: 't', EVENTBRIDGE_KEY: `json:${pointer}` }))
        .key;
    expect(keyAt('/detail/ref')).toBe('820982911946154511');
    expect(keyAt('/detail/orderId')).toBe('820982911946154500');
  });

  it.each([
    [
      { 'com.example.orders/OrderCreated': 'orders-exact', 'com.example.*/*': 'example-any' },
      order,
      'orders-exact',
    ],
    [
      { 'com.example.*/*': 'example-any', 'com.example.orders/OrderCreated': 'orders-exact' },
      order,
      'orders-exact',
    ],
    [{ 'com.example.*/*': 'example-any' }, order, 'example-any'],
    [{ 'aws.*/EC2 *': 'aws-ec2' }, ec2, 'aws-ec2'],
    [{ 'com.example.orders/Order*': 'orders' }, ec2, 'fallback'],
  ])('routes by source/detail-type with %o', (routes, event, topic) => {
    const config = configOf({ EVENTBRIDGE_TOPICS: JSON.stringify(routes), KAFKA_TOPIC: 'fallback' });
    expect(eventBridgeEventToMessage(event, config).topic).toBe(topic);
  });

  it('fails an event no route matches when there is no KAFKA_TOPIC', () => {
    const config = configOf({ EVENTBRIDGE_TOPICS: '{"com.example.orders/*":"orders"}' });
    expect(() => eventBridgeEventToMessage(ec2, config)).toThrow(MappingError);
  });

  it.each([
    ['json:/detail/customer/id', 'c-42'],
    ['json:/detail/total', '99.5'],
    ['json:/detail/missing', null],
    ['none', null],
  ])('takes the key from %s', (key, expected) => {
    const config = configOf({ KAFKA_TOPIC: 't', EVENTBRIDGE_KEY: key });
    expect(eventBridgeEventToMessage(order, config).key).toBe(expected);
  });

  it('rejects something that is not an EventBridge event', () => {
    expect(() =>
      eventBridgeEventToMessage({ hello: 'world' } as never, configOf({ KAFKA_TOPIC: 't' })),
    ).toThrow(MappingError);
  });
});

describe('EventBridge config', () => {
  it('reports every problem at once', () => {
    const { problems } = readEventBridgeConfig({
      EVENTBRIDGE_TOPICS: '{"no-slash":"t"}',
      EVENTBRIDGE_KEY: 'header:x',
    });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/<source>\/<detail-type>/);
    expect(problems.join('\n')).toMatch(/EVENTBRIDGE_KEY/);
    expect(problems.join('\n')).toMatch(/events need a topic/);
  });

  it('says when EVENTBRIDGE_TOPICS is not JSON', () => {
    expect(readEventBridgeConfig({ EVENTBRIDGE_TOPICS: '{oops', KAFKA_TOPIC: 't' }).problems).toEqual([
      'EVENTBRIDGE_TOPICS is not valid JSON',
    ]);
  });
});
