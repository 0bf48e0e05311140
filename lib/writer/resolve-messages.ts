import {
  InvalidMessageError,
  MessageTooLargeError,
  MissingTopicError,
  TopicConflictError,
} from './errors.ts';
import { emptyHeaderRecord } from './header-record.ts';
import type { HeaderValue, Message, MessageBytes, ResolvedMessage } from './message.ts';

/**
 * Bytes a record adds on the wire beyond its key, value and headers (attributes, varint
 * lengths, deltas), counted generously so a batch that fits `batchBytes` fits on the broker too.
 */
export const RECORD_OVERHEAD_BYTES = 32;

/**
 * Checks every message and resolves its topic and bytes, before anything is sent: a call is
 * all-or-nothing. Throws the first problem found (kafka-go reports the first as well).
 */
export function resolveMessages(
  messages: readonly Message[],
  writerTopic: string | undefined,
  batchBytes: number,
  nowMs: number = Date.now(),
): ResolvedMessage[] {
  const resolved: ResolvedMessage[] = new Array(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message === null || typeof message !== 'object') {
      throw new InvalidMessageError(i, 'expected an object with a value');
    }
    const topic = resolveTopic(message, writerTopic, i);
    const key = toBuffer(message.key, i, 'key');
    const value = toBuffer(message.value, i, 'value');
    const headers = resolveHeaders(message.headers, i);
    const size = recordSize(key, value, headers);
    if (size > batchBytes) {
      throw new MessageTooLargeError(message, messages.slice(i + 1), size, batchBytes);
    }
    let timestampMs = nowMs;
    if (message.time !== undefined) {
      timestampMs = message.time instanceof Date ? message.time.getTime() : Number.NaN;
      if (!Number.isFinite(timestampMs)) throw new InvalidMessageError(i, 'time must be a valid Date');
    }
    resolved[i] = { topic, key, value, headers, timestampMs, size };
  }
  return resolved;
}

function resolveTopic(message: Message, writerTopic: string | undefined, index: number): string {
  const messageTopic = message.topic;
  if (writerTopic !== undefined && messageTopic !== undefined) throw new TopicConflictError(index);
  const topic = writerTopic ?? messageTopic;
  if (topic === undefined) throw new MissingTopicError(index);
  if (typeof topic !== 'string' || topic === '')
    throw new InvalidMessageError(index, 'topic must be a non-empty string');
  return topic;
}

function toBuffer(bytes: MessageBytes | null | undefined, index: number, field: string): Buffer | null {
  if (bytes === null || bytes === undefined) return null;
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  if (Buffer.isBuffer(bytes)) return bytes;
  if (bytes instanceof Uint8Array) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new InvalidMessageError(index, `${field} must be a string, Buffer, Uint8Array or null`);
}

function resolveHeaders(
  headers: Message['headers'],
  index: number,
): Record<string, Buffer | Buffer[]> | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (typeof headers !== 'object') throw new InvalidMessageError(index, 'headers must be an object');
  // Inheriting nothing: a header may be named `__proto__` (an SQS attribute can be), and on a
  // plain object assigning that name would replace the prototype instead of adding the header.
  const result = emptyHeaderRecord<Buffer | Buffer[]>();
  // for...in with an own-property check walks what Object.entries would, without an array per
  // header: this runs for every header of every message.
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const header = (headers as Record<string, HeaderValue | HeaderValue[]>)[name] as
      | HeaderValue
      | HeaderValue[];
    result[name] = Array.isArray(header)
      ? header.map((h: HeaderValue) => toHeaderBuffer(h, index, name))
      : toHeaderBuffer(header, index, name);
  }
  return result;
}

/** A record's bytes as batchBytes counts them: key, value, headers and the record's overhead. */
export function recordSize(
  key: Buffer | null,
  value: Buffer | null,
  headers: Record<string, Buffer | Buffer[]> | undefined,
): number {
  const size = RECORD_OVERHEAD_BYTES + (key?.length ?? 0) + (value?.length ?? 0);
  return headers ? size + headersSize(headers) : size;
}

/** Wire bytes of resolved headers: name, value and their varint lengths (generously, 8). */
function headersSize(headers: Record<string, Buffer | Buffer[]>): number {
  let size = 0;
  for (const name in headers) {
    const header = headers[name] as Buffer | Buffer[];
    if (Array.isArray(header)) {
      for (const h of header) size += Buffer.byteLength(name) + h.length + 8;
    } else {
      size += Buffer.byteLength(name) + header.length + 8;
    }
  }
  return size;
}

function toHeaderBuffer(value: HeaderValue, index: number, name: string): Buffer {
  const buffer = toBuffer(value, index, `header "${name}"`);
  if (buffer === null) throw new InvalidMessageError(index, `header "${name}" must not be null`);
  return buffer;
}
