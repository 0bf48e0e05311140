import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { SqsConfig } from '../config/sqs-config.ts';
import { emptyHeaderRecord } from '../writer/header-record.ts';
import type { Message } from '../writer/message.ts';
import { MappingError } from './errors.ts';

/** Kafka header names the SQS bridge sets besides the record's message attributes. */
export const SQS_HEADERS = {
  messageId: 'sqs-message-id',
  sentTimestamp: 'sqs-sent-timestamp',
  sourceArn: 'sqs-source-arn',
  groupId: 'sqs-message-group-id',
  snsMessageId: 'sns-message-id',
  snsTopicArn: 'sns-topic-arn',
  snsTimestamp: 'sns-timestamp',
} as const;

/** Whether a record comes from a FIFO queue. */
export function isFifoRecord(record: SQSRecord): boolean {
  return record.eventSourceARN.endsWith('.fifo');
}

/**
 * One SQS record -> one Kafka message (pure). The body (or the SNS envelope's Message) is the
 * value; message attributes become headers (String and Number as text, Binary as bytes), plus the
 * source ids. Throws MappingError for a record that can never be published as configured.
 */
export function sqsRecordToMessage(record: SQSRecord, config: Pick<SqsConfig, 'key' | 'unwrapSns'>): Message {
  const headers = attributesToHeaders(record.messageAttributes);
  headers[SQS_HEADERS.messageId] = record.messageId;
  headers[SQS_HEADERS.sourceArn] = record.eventSourceARN;
  const sent = record.attributes.SentTimestamp;
  if (sent) headers[SQS_HEADERS.sentTimestamp] = sent;
  const groupId = record.attributes.MessageGroupId;
  if (groupId) headers[SQS_HEADERS.groupId] = groupId;

  let value = record.body;
  if (config.unwrapSns) {
    const envelope = parseSnsEnvelope(record);
    value = envelope.Message;
    headers[SQS_HEADERS.snsMessageId] = envelope.MessageId;
    headers[SQS_HEADERS.snsTopicArn] = envelope.TopicArn;
    for (const [name, value] of Object.entries(snsAttributesToHeaders(envelope.MessageAttributes))) {
      headers[name] = value;
    }
    if (envelope.Timestamp) headers[SQS_HEADERS.snsTimestamp] = envelope.Timestamp;
  }

  // The record's timestamp is the write time, not the sent time: a message older than the topic's
  // retention when finally written (SQS keeps 14 days, a DLQ redrive after an outage) would be
  // acknowledged and then deleted at the next retention check. The sent time is a header.
  return { key: keyOf(record, config.key), value, headers };
}

function keyOf(record: SQSRecord, source: SqsConfig['key']): string | Buffer | null {
  switch (source.from) {
    case 'none':
      return null;
    case 'default':
      return record.attributes.MessageGroupId ?? null;
    case 'group': {
      const group = record.attributes.MessageGroupId;
      if (!group) throw new MappingError(`record ${record.messageId} has no MessageGroupId (SQS_KEY=group)`);
      return group;
    }
    case 'attribute': {
      const attributes = record.messageAttributes ?? {};
      // Own attributes only: "constructor" must not find Object.prototype's.
      const attribute = Object.hasOwn(attributes, source.name) ? attributes[source.name] : undefined;
      if (!attribute)
        throw new MappingError(`record ${record.messageId} has no message attribute "${source.name}"`);
      return attributeValue(attribute);
    }
  }
}

/**
 * An empty header record that inherits nothing: an attribute may be named `__proto__` (SQS and SNS
 * allow it), and on a plain object assigning that name would set the prototype, not a header.
 */
function emptyHeaders(): Record<string, string | Buffer> {
  return emptyHeaderRecord<string | Buffer>();
}

function attributesToHeaders(attributes: SQSMessageAttributes): Record<string, string | Buffer> {
  const headers = emptyHeaders();
  for (const [name, attribute] of Object.entries(attributes ?? {})) headers[name] = attributeValue(attribute);
  return headers;
}

function attributeValue(attribute: SQSMessageAttributes[string]): string | Buffer {
  // Custom types look like "Binary.png" or "Number.float": the prefix decides.
  if (attribute.dataType.startsWith('Binary')) return Buffer.from(attribute.binaryValue ?? '', 'base64');
  return attribute.stringValue ?? '';
}

interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp?: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

function parseSnsEnvelope(record: SQSRecord): SnsEnvelope {
  let envelope: Partial<SnsEnvelope>;
  try {
    envelope = JSON.parse(record.body) as Partial<SnsEnvelope>;
  } catch {
    throw new MappingError(
      `record ${record.messageId} is not an SNS notification (SQS_UNWRAP_SNS=true): body is not JSON`,
    );
  }
  if (
    envelope?.Type !== 'Notification' ||
    typeof envelope.Message !== 'string' ||
    typeof envelope.MessageId !== 'string' ||
    typeof envelope.TopicArn !== 'string'
  ) {
    throw new MappingError(
      `record ${record.messageId} is not an SNS notification (SQS_UNWRAP_SNS=true); is raw message delivery on?`,
    );
  }
  return envelope as SnsEnvelope;
}

function snsAttributesToHeaders(
  attributes: SnsEnvelope['MessageAttributes'],
): Record<string, string | Buffer> {
  const headers = emptyHeaders();
  for (const [name, attribute] of Object.entries(attributes ?? {})) {
    headers[name] = attribute.Type === 'Binary' ? Buffer.from(attribute.Value, 'base64') : attribute.Value;
  }
  return headers;
}
