import { uuidBytes } from './uuid-bytes.ts';
import { zigzagVarint } from './varint.ts';

/**
 * Confluent's wire format, byte for byte as its serializers write it (schema-registry's
 * `io.confluent.kafka.serializers.schema.id.SchemaId`, `PrefixSchemaIdSerializer`,
 * `HeaderSchemaIdSerializer` and `io.confluent.kafka.schemaregistry.protobuf.MessageIndexes`).
 * Pure bytes: which id, which indexes and where they go is decided elsewhere.
 */

/** Magic byte of a 4-byte schema id (the payload prefix, or a header value). */
export const MAGIC_BYTE_SCHEMA_ID = 0x00;
/** Magic byte of a 16-byte schema GUID (header values only). */
export const MAGIC_BYTE_SCHEMA_GUID = 0x01;
/** The record header Confluent's newer serializers put a value's schema GUID in. */
export const VALUE_SCHEMA_ID_HEADER = '__value_schema_id';
/** The record header for a key's schema GUID. */
export const KEY_SCHEMA_ID_HEADER = '__key_schema_id';

/**
 * A Protobuf message's path of indexes in its schema file (`[0]`: the file's first message;
 * `[1, 0]`: the first message nested in the file's second), as Confluent's serializers write it:
 * the count, then each index, all zig-zag varints; except the common `[0]`, which is written as the
 * single byte 0 (a count of zero), as `MessageIndexes.toByteArray()` does ("optimization"), and as
 * every Confluent deserializer reads it back (`readFrom`: size 0 means `[0]`). Some documentation
 * shows `[0]` as the two bytes `02 00`; the Java serializer never writes that.
 */
export function encodeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 0) throw new RangeError('a message index path names at least one message');
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  return Buffer.from([...zigzagVarint(indexes.length), ...indexes.flatMap((index) => zigzagVarint(index))]);
}

/** The payload prefix: magic byte 0, the schema id (4 bytes, big-endian), Protobuf's message indexes. */
export function confluentPrefix(schemaId: number, messageIndexes?: readonly number[]): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fff_ffff) {
    throw new RangeError(`a Confluent schema id is a non-negative 32-bit integer, not ${schemaId}`);
  }
  const prefix = Buffer.alloc(5);
  prefix[0] = MAGIC_BYTE_SCHEMA_ID;
  prefix.writeInt32BE(schemaId, 1);
  return messageIndexes ? Buffer.concat([prefix, encodeMessageIndexes(messageIndexes)]) : prefix;
}

/** A framed record value: the prefix, then the encoded payload. */
export function confluentFrame(
  schemaId: number,
  payload: Uint8Array,
  messageIndexes?: readonly number[],
): Buffer {
  return Buffer.concat([confluentPrefix(schemaId, messageIndexes), payload]);
}

/**
 * The value of the `__value_schema_id` header (`HeaderSchemaIdSerializer`): magic byte 1, the
 * schema's GUID (16 bytes), then Protobuf's message indexes. The record value is then the bare
 * payload, no prefix.
 */
export function confluentGuidHeader(schemaGuid: string, messageIndexes?: readonly number[]): Buffer {
  const parts = [Buffer.from([MAGIC_BYTE_SCHEMA_GUID]), uuidBytes(schemaGuid)];
  if (messageIndexes) parts.push(encodeMessageIndexes(messageIndexes));
  return Buffer.concat(parts);
}
