import type { Attributes } from '@opentelemetry/api';
import { WriteErrors } from '../writer/errors.ts';
import type { InstrumentedMessage, WriteStart } from '../writer/instrumentation.ts';

/**
 * OpenTelemetry messaging semantic conventions for Kafka producers (pure): the attribute names
 * and how a Writer's call, message and error map to them. Follows the conventions as of semconv
 * 1.3x (messaging status: development): `messaging.operation.type` `send`/`create`,
 * `messaging.destination.partition.id` as a string, `messaging.kafka.offset`.
 */
export const MESSAGING = {
  system: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destinationName: 'messaging.destination.name',
  partitionId: 'messaging.destination.partition.id',
  batchMessageCount: 'messaging.batch.message_count',
  clientId: 'messaging.client.id',
  kafkaOffset: 'messaging.kafka.offset',
  kafkaMessageKey: 'messaging.kafka.message.key',
  kafkaTombstone: 'messaging.kafka.message.tombstone',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  /** Not a convention: whether a failed message may still have been appended (retrying may duplicate). */
  mayBeDelivered: 'kafka_lambda_bridge.may_be_delivered',
} as const;

/** What every span of a call carries: system, operation, client id, the first bootstrap broker. */
export function operationAttributes(start: WriteStart, operation: 'send' | 'create'): Attributes {
  const attributes: Attributes = {
    [MESSAGING.system]: 'kafka',
    [MESSAGING.operationName]: operation,
    [MESSAGING.operationType]: operation,
    [MESSAGING.clientId]: start.clientId,
  };
  // Which broker leads a partition is the transport's business; the bootstrap address is the
  // server a trace viewer can name.
  const broker = start.brokers[0];
  const at = broker?.lastIndexOf(':') ?? -1;
  if (broker && at > 0) {
    attributes[MESSAGING.serverAddress] = broker.slice(0, at);
    attributes[MESSAGING.serverPort] = Number(broker.slice(at + 1));
  }
  return attributes;
}

/**
 * Attributes of one message: whether it is a tombstone, and with `withKey` its key when it reads
 * as UTF-8 text (off by default: keys can be personal data, e.g. an e-mail address).
 */
export function messageAttributes(message: InstrumentedMessage, withKey: boolean): Attributes {
  const attributes: Attributes = {};
  const key = withKey ? keyText(message.key) : undefined;
  if (key !== undefined) attributes[MESSAGING.kafkaMessageKey] = key;
  if (message.value === null) attributes[MESSAGING.kafkaTombstone] = true;
  return attributes;
}

/** The topic every message of the call goes to, or undefined when they go to several. */
export function singleTopic(messages: readonly InstrumentedMessage[]): string | undefined {
  const topic = messages[0]?.topic;
  for (const message of messages) if (message.topic !== topic) return undefined;
  return topic;
}

/** `send <topic>` / `create <topic>`, or the bare operation when a call spans topics. */
export function spanName(operation: 'send' | 'create', topic: string | undefined): string {
  return topic === undefined ? operation : `${operation} ${topic}`;
}

/**
 * `error.type` for a Writer error: a broker's error code (`UNKNOWN_TOPIC_OR_PARTITION`,
 * `MESSAGE_TOO_LARGE`), else the error class (`UnknownTopicError`, `WriteAbortedError`). For a
 * call where only some messages failed, the first failure's type.
 */
export function errorType(error: Error): string {
  const cause = error instanceof WriteErrors ? (error.errors.find((e) => e !== undefined) ?? error) : error;
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? code : cause.name;
}

/** The error's `mayBeDelivered` (any of a WriteErrors' failures), or undefined when it says nothing. */
export function mayBeDelivered(error: Error): boolean | undefined {
  const verdicts = (error instanceof WriteErrors ? error.errors : [error])
    .map((e) => (e as { mayBeDelivered?: unknown } | undefined)?.mayBeDelivered)
    .filter((v): v is boolean => typeof v === 'boolean');
  return verdicts.length === 0 ? undefined : verdicts.some(Boolean);
}

/** Failure attributes: `error.type` and, when known, whether the messages may have landed. */
export function errorAttributes(error: Error): Attributes {
  const doubt = mayBeDelivered(error);
  return {
    [MESSAGING.errorType]: errorType(error),
    ...(doubt === undefined ? {} : { [MESSAGING.mayBeDelivered]: doubt }),
  };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A key's string form when it has an unambiguous one (valid UTF-8); none for a null key. */
function keyText(key: Buffer | null): string | undefined {
  if (key === null) return undefined;
  try {
    return UTF8.decode(key);
  } catch {
    return undefined;
  }
}
