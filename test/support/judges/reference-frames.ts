import { deflateSync } from 'node:zlib';

/**
 * Frames built by hand from the documented byte layouts, to prove the judges against records no
 * serializer of ours wrote. Never used to check our serializer (that would be us grading us).
 */

/**
 * Confluent's wire format (Confluent docs, "Formats, Serializers, and Deserializers", Wire
 * format): magic byte 0, the schema id as a 4-byte big-endian integer, then the payload. For
 * Protobuf, `messageIndexes` come between id and payload: the array's length, then each index,
 * all as zigzag varints, except that `[0]` (the first message) is written as the single byte 0.
 * Indexes here stay below 64, where a zigzag varint is the one byte `2 * n`.
 */
export function confluentFrame(
  schemaId: number,
  payload: Buffer,
  messageIndexes?: readonly number[],
): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(schemaId, 1);
  if (messageIndexes === undefined) return Buffer.concat([header, payload]);
  if (messageIndexes.some((i) => i < 0 || i >= 64)) throw new Error('reference frames keep indexes below 64');
  const indexes =
    messageIndexes.length === 1 && messageIndexes[0] === 0
      ? Buffer.from([0])
      : Buffer.from([2 * messageIndexes.length, ...messageIndexes.map((i) => 2 * i)]);
  return Buffer.concat([header, indexes, payload]);
}

/**
 * The AWS Glue Schema Registry's wire format (awslabs/aws-glue-schema-registry, its serializer's
 * header): header version byte 3, compression byte (0 none, 5 zlib), the schema version UUID as
 * 16 bytes, then the payload (zlib-deflated when compressed). For Protobuf the payload starts with
 * the message's index as an unsigned varint (`glueProtobufPayload`).
 */
export function glueFrame(
  schemaVersionId: string,
  payload: Buffer,
  options: { zlib?: boolean } = {},
): Buffer {
  const uuid = Buffer.from(schemaVersionId.replaceAll('-', ''), 'hex');
  if (uuid.length !== 16) throw new Error(`not a UUID: ${schemaVersionId}`);
  const body = options.zlib ? deflateSync(payload) : payload;
  return Buffer.concat([Buffer.from([3, options.zlib ? 5 : 0]), uuid, body]);
}

/**
 * Glue's Protobuf payload: the message's index, an unsigned varint, then the message bytes. The
 * index numbers every message of the file, nested ones included, in order of full name.
 */
export function glueProtobufPayload(messageIndex: number, message: Buffer): Buffer {
  if (messageIndex < 0 || messageIndex >= 128) throw new Error('reference frames keep the index below 128');
  return Buffer.concat([Buffer.from([messageIndex]), message]);
}
