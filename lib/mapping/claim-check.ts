/**
 * The claim check, decided: which message values go to S3 and what the record carries instead.
 * The format is bakdata's kafka-large-message-serde (`LargeMessageSerde`, "header" protocol), so
 * a Java or Kafka Streams consumer reads the records with bakdata's `LargeMessageDeserializer`:
 *
 * - an offloaded value is the UTF-8 URI `s3://<bucket>/<prefix><topic>/values/<id>` of an object
 *   holding the original bytes (uncompressed: no compression header), and the record has the
 *   header `__large.message.backed.value` = one byte `1`;
 * - a value kept inline is the original bytes unchanged, with that header = one byte `0`.
 *
 * bakdata also has a "byte flag" protocol (a `0`/`1` byte in front of every value); it would
 * change every small value's bytes for consumers that do not know the format, so it is not used.
 * The inline `0` header is there because bakdata's reader falls back to the byte-flag protocol
 * for a record without the header (unless `large.message.accept.no.headers=true`) and would then
 * strip the first byte of a raw value. Keys are never offloaded (see DESIGN-NOTES). Pure: the S3
 * write is lib/lambda/claim-check.ts.
 */
import { createHash } from 'node:crypto';
import type { ClaimCheckConfig } from '../config/claim-check-config.ts';
import type { Message, MessageBytes } from '../writer/message.ts';

/** bakdata's `HeaderLargeMessagePayloadProtocol` header names (`"__" + "large.message." + "backed." + key|value`). */
export const LARGE_MESSAGE_HEADERS = {
  key: '__large.message.backed.key',
  value: '__large.message.backed.value',
} as const;

/** bakdata's `FlagHelper` bytes: the payload is inline (`0`) or a blob storage URI (`1`). */
export const LargeMessageFlag = { Inline: 0, Backed: 1 } as const;
export type LargeMessageFlag = (typeof LargeMessageFlag)[keyof typeof LargeMessageFlag];

/** An object to store before the message that refers to it is written. */
export interface ClaimCheckObject {
  bucket: string;
  key: string;
  body: Buffer;
}

/** What to write for one message: the message itself, and the object to store first if any. */
export interface ClaimCheckPlan {
  message: Message;
  offload: ClaimCheckObject | undefined;
}

/**
 * The plan for one message. A value longer than `thresholdBytes` is offloaded; exactly
 * `thresholdBytes` stays inline. A null value (a tombstone) and a message without a topic (the
 * Writer refuses it anyway) are left as they are, without the header.
 */
export function planClaimCheck(message: Message, config: ClaimCheckConfig): ClaimCheckPlan {
  if (message.value === null || message.value === undefined || message.topic === undefined) {
    return { message, offload: undefined };
  }
  if (byteLength(message.value) <= config.thresholdBytes) {
    return { message: withFlag(message, message.value, LargeMessageFlag.Inline), offload: undefined };
  }
  const body = toBuffer(message.value);
  const key = claimCheckObjectKey(config.prefix, message.topic, body);
  const reference = Buffer.from(claimCheckUri(config.bucket, key), 'utf8');
  return {
    message: withFlag(message, reference, LargeMessageFlag.Backed),
    offload: { bucket: config.bucket, key, body },
  };
}

/**
 * bakdata's object key layout, `<prefix><topic>/values/<id>`. The id is the SHA-256 of the bytes
 * (bakdata's `Sha256HashIdGenerator` idea): a retried record stores the same object again instead
 * of leaving a second copy behind.
 */
export function claimCheckObjectKey(prefix: string, topic: string, body: Buffer): string {
  return `${prefix}${topic}/values/${createHash('sha256').update(body).digest('hex')}`;
}

/** The reference a record carries: what bakdata's `AmazonS3Client.putObject` returns. */
export function claimCheckUri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

function withFlag(message: Message, value: MessageBytes, flag: LargeMessageFlag): Message {
  // Ours replaces any header of that name the source carried, as bakdata's serializer does.
  return {
    ...message,
    value,
    headers: { ...message.headers, [LARGE_MESSAGE_HEADERS.value]: Buffer.of(flag) },
  };
}

function byteLength(bytes: MessageBytes): number {
  return typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.byteLength;
}

function toBuffer(bytes: MessageBytes): Buffer {
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
