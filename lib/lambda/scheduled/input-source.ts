import type { SchemaValidationError } from '../../schema/value-serializer.ts';
import type { HeaderValue, Message } from '../../writer/message.ts';
import { fieldText } from '../schema-failures.ts';
import type { BatchSource, SourceBatch } from './batch-source.ts';
import { InvalidScheduleInputError } from './errors.ts';
import { keyAt, keyAtSource } from './message-key.ts';

/** One message as a schedule's input carries it. */
export interface ScheduleInputMessage {
  /** Defaults to `KAFKA_TOPIC`. */
  topic?: string;
  /** Defaults to the value at `SCHEDULE_KEY`, else no key. */
  key?: string | number | null;
  /** A string is written as it is; any other JSON value as its JSON text; `null` is a tombstone. */
  value: unknown;
  headers?: Record<string, string | string[]>;
}

/** What the input source needs from the config. */
export interface InputSourceOptions {
  /** Topic of messages that name none (`KAFKA_TOPIC`). */
  topic?: string | undefined;
  keyPointer?: { pointer: string; tokens: readonly string[] } | undefined;
  /** Messages per Writer call. */
  batchSize: number;
  /**
   * Finds the messages whose values the function's schema refuses, writing nothing, before the
   * first batch (so an invalid input is rejected whole, like a malformed one); rejects when it
   * cannot tell (the registry is down: the run fails and is retried). @default no check
   */
  checkValues?: ValueCheck | undefined;
}

/** The messages whose values a schema refuses (index into the list, and why); [] for none. */
export type ValueCheck = (
  messages: readonly Message[],
) => Promise<ReadonlyArray<{ index: number; error: SchemaValidationError }>>;

const MESSAGE_FIELDS = new Set(['topic', 'key', 'value', 'headers']);
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * The messages carried in a schedule's input: an EventBridge Scheduler schedule's `Input` (or a
 * rule target's constant input) of the form `{"messages": [{"topic"?, "key"?, "value", "headers"?}]}`;
 * an EventBridge event with the same object as its `detail` works too. Everything is validated
 * before anything is written (the values against the function's schema too, with `checkValues`)
 * and every problem is reported in one InvalidScheduleInputError.
 *
 * Not resumable: the input is the same on every delivery, so there is nowhere to keep progress.
 * A failed write throws and Lambda's asynchronous retries deliver the same input again, which
 * may write again the messages Kafka had already acknowledged (at-least-once). Consumers that
 * must not see duplicates should key the messages and deduplicate, or use a resumable source.
 */
export function createInputSource(event: unknown, options: InputSourceOptions): BatchSource {
  const messages = parseScheduleInput(event, options);
  return {
    resumable: false,
    async *batches(): AsyncGenerator<SourceBatch> {
      const invalid = (await options.checkValues?.(messages)) ?? [];
      if (invalid.length > 0) {
        throw new InvalidScheduleInputError(
          invalid.map(
            ({ index, error }) =>
              `messages[${index}].value does not match the schema ${fieldText(error.field)}: ${error.message}`,
          ),
        );
      }
      for (let start = 0; start < messages.length; start += options.batchSize) {
        yield { messages: messages.slice(start, start + options.batchSize), commit: async () => {} };
      }
    },
    report: () => ({ objectsDone: 0, objectsFailed: 0 }),
  };
}

/** Validates a schedule's input and turns it into Kafka messages; throws InvalidScheduleInputError. */
export function parseScheduleInput(
  event: unknown,
  options: Omit<InputSourceOptions, 'batchSize'>,
): Message[] {
  const list = messageListOf(event);
  if (!Array.isArray(list)) {
    throw new InvalidScheduleInputError([
      isRecord(event) && event.source === 'aws.events'
        ? 'a plain "Scheduled Event" carries no messages: give the rule target (or the schedule) an Input of the form {"messages": [...]}'
        : 'the input must be a JSON object with a "messages" array',
    ]);
  }
  const problems: string[] = [];
  const messages = list.map((item, index) => toMessage(item, `messages[${index}]`, options, problems));
  if (problems.length > 0) throw new InvalidScheduleInputError(problems);
  return messages;
}

function messageListOf(event: unknown): unknown {
  if (!isRecord(event)) return undefined;
  if ('messages' in event) return event.messages;
  // An EventBridge event (a rule with an input transformer, a custom event) carries it in detail.
  if (typeof event['detail-type'] === 'string' && isRecord(event.detail)) return event.detail.messages;
  return undefined;
}

function toMessage(
  item: unknown,
  at: string,
  options: Omit<InputSourceOptions, 'batchSize'>,
  problems: string[],
): Message {
  const empty: Message = { value: null };
  if (!isRecord(item)) {
    problems.push(`${at} must be an object with a value`);
    return empty;
  }
  const unknown = Object.keys(item).filter((field) => !MESSAGE_FIELDS.has(field));
  if (unknown.length > 0) {
    problems.push(
      `${at} has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `"${f}"`).join(', ')} (allowed: topic, key, value, headers)`,
    );
  }
  const topic = topicOf(item.topic, at, options.topic, problems);
  const value = messageValue(item, at, problems);
  const key = keyOf(item, value, at, options.keyPointer, problems);
  const headers = headersOf(item.headers, at, problems);
  return { topic, key, value, ...(headers ? { headers } : {}) };
}

function topicOf(topic: unknown, at: string, fallback: string | undefined, problems: string[]): string {
  if (topic === undefined) {
    if (fallback === undefined) problems.push(`${at} names no topic and KAFKA_TOPIC is not set`);
    return fallback ?? '';
  }
  if (typeof topic !== 'string' || !TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    problems.push(`${at}.topic must be a Kafka topic name ([a-zA-Z0-9._-], 1 to 249 characters)`);
    return '';
  }
  return topic;
}

function messageValue(item: Record<string, unknown>, at: string, problems: string[]): string | null {
  if (!('value' in item) || item.value === undefined) {
    problems.push(`${at}.value is required (a string, any other JSON value, or null for a tombstone)`);
    return null;
  }
  const { value } = item;
  if (value === null || typeof value === 'string') return value;
  return JSON.stringify(value);
}

function keyOf(
  item: Record<string, unknown>,
  value: string | null,
  at: string,
  pointer: InputSourceOptions['keyPointer'],
  problems: string[],
): string | null {
  const { key } = item;
  if (typeof key === 'string' || key === null) return key;
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  if (key !== undefined) {
    problems.push(`${at}.key must be a string, a number or null`);
    return null;
  }
  if (!pointer || value === null) return null;
  // The pointer looks into the value: a string value that is JSON text (read from its source, so
  // numbers keep their digits), or the object given (already parsed by Lambda's runtime).
  if (typeof item.value !== 'string') return keyAt(item.value, pointer.tokens);
  return isJson(item.value) ? keyAtSource(item.value, pointer.tokens) : null;
}

function headersOf(
  headers: unknown,
  at: string,
  problems: string[],
): Record<string, HeaderValue | HeaderValue[]> | undefined {
  if (headers === undefined) return undefined;
  if (!isRecord(headers) || Array.isArray(headers)) {
    problems.push(`${at}.headers must be an object of string values`);
    return undefined;
  }
  // No prototype: a header named `__proto__` would otherwise set it instead of being kept.
  const out = Object.create(null) as Record<string, HeaderValue | HeaderValue[]>;
  for (const [name, value] of Object.entries(headers)) {
    const valid =
      typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (name === '' || !valid) {
      problems.push(`${at}.headers["${name}"] must be a string or an array of strings`);
      continue;
    }
    out[name] = value as string | string[];
  }
  return out;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
