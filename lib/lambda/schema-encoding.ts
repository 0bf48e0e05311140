import {
  SchemaValidationError,
  type SerializedValue,
  type ValueSerializer,
} from '../schema/value-serializer.ts';
import type { Message } from '../writer/message.ts';
import type { RecordMetadata } from '../writer/writer.ts';
import { HeldBackError, writePrepared } from './staged-write.ts';

/** What writeWithSchema needs besides the messages and the serializer. */
export interface SchemaWriteOptions {
  /** Ends registry fetches (the invocation's time); a fetch it ends fails its message (retriable). */
  signal?: AbortSignal;
  /**
   * After any message that could not be encoded, encode and write none of the later ones (FIFO
   * queues, and sources that publish in order and stop at a rejected line).
   */
  keepOrder?: boolean;
}

/**
 * Validates and encodes each message's value with `serializer`, then writes the messages. A
 * message whose value does not fit the schema fails with its SchemaValidationError (the sender's
 * mistake: never retried), one whose schema could not be fetched with a SchemaRegistryError
 * (retriable), index-aligned in the call's WriteErrors with the Writer's own failures, so every
 * trigger's failure path applies. After a failure that is not the value's own fault, the later
 * messages of its topic are neither encoded nor written (HeldBackError): their partition's order
 * holds, and a registry that is down costs one fetch per topic, not one per message. With
 * `keepOrder` every later message is held back after any failure.
 *
 * A null value (a tombstone) is written as null: consumers' deserializers return null for it, and
 * log compaction needs it to stay null. A `content-type` header is dropped from an encoded
 * message: it described the input, not the framed bytes; the serializer's headers are added.
 */
export async function writeWithSchema(
  messages: readonly Message[],
  serializer: ValueSerializer,
  write: (messages: readonly Message[]) => Promise<RecordMetadata[]>,
  options: SchemaWriteOptions = {},
): Promise<RecordMetadata[]> {
  return await writePrepared(messages, await encodeValues(messages, serializer, options), write);
}

/**
 * The messages whose values do not fit their schema, encoding them all and writing nothing: for
 * a source that must be rejected whole when any value is invalid (a schedule's input). Rejects
 * with the first other failure (the registry is down), so the caller retries rather than judges.
 */
export async function findInvalidValues(
  messages: readonly Message[],
  serializer: ValueSerializer,
  signal?: AbortSignal,
): Promise<Array<{ index: number; error: SchemaValidationError }>> {
  const invalid: Array<{ index: number; error: SchemaValidationError }> = [];
  for (const [index, message] of messages.entries()) {
    if (message.value === null || message.value === undefined || message.topic === undefined) continue;
    try {
      await serializer.serialize(message.topic, message.value, signal ? { signal } : {});
    } catch (error) {
      if (!(error instanceof SchemaValidationError)) throw error;
      invalid.push({ index, error });
    }
  }
  return invalid;
}

/** Each message with its encoded value, or why it is not written; index-aligned. */
async function encodeValues(
  messages: readonly Message[],
  serializer: ValueSerializer,
  { signal, keepOrder = false }: SchemaWriteOptions,
): Promise<(Message | Error)[]> {
  const prepared: (Message | Error)[] = [];
  const blockedTopics = new Map<string | undefined, Error>();
  let blockedAll: Error | undefined;
  for (const message of messages) {
    const blocker = blockedAll ?? blockedTopics.get(message.topic);
    if (blocker !== undefined) {
      prepared.push(heldBack(blocker, blockedAll !== undefined));
      continue;
    }
    // A tombstone stays one; a message without a topic is left for the Writer to refuse.
    if (message.value === null || message.value === undefined || message.topic === undefined) {
      prepared.push(message);
      continue;
    }
    try {
      const encoded = await serializer.serialize(message.topic, message.value, signal ? { signal } : {});
      prepared.push(withEncodedValue(message, encoded));
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      prepared.push(error);
      if (keepOrder) blockedAll = error;
      else if (!(error instanceof SchemaValidationError)) blockedTopics.set(message.topic, error);
    }
  }
  return prepared;
}

function heldBack(blocker: Error, all: boolean): HeldBackError {
  return new HeldBackError(
    `not written: an earlier message${all ? '' : ' of its topic'} could not be encoded (${blocker.message})`,
    blocker,
  );
}

/** The message with its encoded value and the serializer's headers, without a stale content-type. */
function withEncodedValue(message: Message, encoded: SerializedValue): Message {
  const headers = Object.create(null) as NonNullable<Message['headers']>;
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (name.toLowerCase() !== 'content-type') headers[name] = value;
  }
  Object.assign(headers, encoded.headers);
  const rewritten: Message = { ...message, value: encoded.value, headers };
  if (Object.keys(headers).length === 0) delete rewritten.headers;
  return rewritten;
}
