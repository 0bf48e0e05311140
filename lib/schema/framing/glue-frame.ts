import { deflateSync } from 'node:zlib';
import { uuidBytes } from './uuid-bytes.ts';
import { unsignedVarint } from './varint.ts';

/**
 * AWS Glue Schema Registry's wire format, as awslabs/aws-glue-schema-registry's
 * `SerializationDataEncoder.write` lays it out: the header version byte (3), the compression byte
 * (0 none, 5 zlib), the schema version id (a UUID, 16 bytes, most significant first), then the
 * payload, zlib-compressed (java.util.zip.Deflater's format: a zlib stream) when the compression
 * byte says so. Constants from its `AWSSchemaRegistryConstants`. Pure bytes.
 */

export const GLUE_HEADER_VERSION = 0x03;
export const GLUE_COMPRESSION_NONE = 0x00;
export const GLUE_COMPRESSION_ZLIB = 0x05;

/** How a Glue frame's payload is stored. */
export type GlueCompression = 'none' | 'zlib';

/** A framed record value. */
export function glueFrame(
  schemaVersionId: string,
  payload: Uint8Array,
  compression: GlueCompression,
): Buffer {
  const header = Buffer.alloc(2);
  header[0] = GLUE_HEADER_VERSION;
  header[1] = compression === 'zlib' ? GLUE_COMPRESSION_ZLIB : GLUE_COMPRESSION_NONE;
  const body = compression === 'zlib' ? deflateSync(payload) : payload;
  return Buffer.concat([header, uuidBytes(schemaVersionId), body]);
}

/**
 * Glue's Protobuf payload starts with the message's index (`ProtobufWireFormatEncoder`): an
 * unsigned varint (`writeUInt32NoTag`, not zig-zag), then the message's bytes.
 */
export function glueProtobufPayload(messageIndex: number, message: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(unsignedVarint(messageIndex)), message]);
}
