import type { EventBridgeEvent } from 'aws-lambda';
import type { EventBridgeConfig } from '../config/eventbridge-config.ts';
import type { Message } from '../writer/message.ts';
import { MappingError } from './errors.ts';
import { resolvePointer } from './json-pointer.ts';

/** An EventBridge event as delivered to a Lambda target. */
export type BridgeEvent = EventBridgeEvent<string, unknown>;

/**
 * One EventBridge event -> one Kafka message in the CloudEvents Kafka protocol binding's binary
 * mode: the value is the event's `detail` as JSON, the event's attributes are `ce_` headers
 * (ce_specversion, ce_id, ce_source, ce_type, ce_time, ce_subject) plus the AWS account and
 * region as extensions. The Kafka timestamp is the time of writing. Throws MappingError when no topic route matches.
 */
export function eventBridgeEventToMessage(event: BridgeEvent, config: EventBridgeConfig): Message {
  if (
    typeof event?.id !== 'string' ||
    typeof event.source !== 'string' ||
    typeof event['detail-type'] !== 'string'
  ) {
    throw new MappingError('not an EventBridge event: id, source and detail-type are required');
  }
  const topic = topicFor(event, config);
  const headers: Record<string, string> = {
    ce_specversion: '1.0',
    ce_id: event.id,
    ce_source: event.source,
    ce_type: event['detail-type'],
    'content-type': 'application/json',
  };
  if (event.time) headers.ce_time = event.time;
  if (event.resources?.[0]) headers.ce_subject = event.resources[0];
  if (event.account) headers.ce_awsaccount = event.account;
  if (event.region) headers.ce_awsregion = event.region;
  return {
    topic,
    key: keyOf(event, config),
    value: JSON.stringify(event.detail ?? null),
    headers,
    // The record's timestamp stays the time of writing: brokers reject timestamps too far from
    // their clock (Kafka 4 accepts at most 1 h ahead by default), and a skewed or long-retried
    // event must not become unwritable. The event's own time travels in ce_time.
  };
}

function topicFor(event: BridgeEvent, config: EventBridgeConfig): string {
  const name = `${event.source}/${event['detail-type']}`;
  const route = config.routes.find((r) => r.matcher.test(name));
  const topic = route?.topic ?? config.defaultTopic;
  if (!topic)
    throw new MappingError(`no EVENTBRIDGE_TOPICS route matches "${name}" and KAFKA_TOPIC is not set`);
  return topic;
}

function keyOf(event: BridgeEvent, config: EventBridgeConfig): string | null {
  if (!config.keyPointer) return null;
  const value = resolvePointer(event, config.keyPointer.tokens);
  if (value === undefined || value === null) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
