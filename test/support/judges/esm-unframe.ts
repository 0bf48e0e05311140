import { inflateSync } from 'node:zlib';

/** Which registry's wire format the values carry (the registry an event source mapping names). */
export type Framing = 'confluent' | 'glue';

/** A value as Lambda's event source mapping hands it on in SOURCE format: header gone, id kept. */
export interface UnframedValue {
  /** As Lambda writes it into `valueSchemaMetadata.schemaId`: the decimal id, or the UUID. */
  schemaId: string;
  /** What follows the header: the encoded value (a Protobuf value still has its message index). */
  payload: Buffer;
}

/** The value does not carry the framing the event source mapping expects. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

const CONFLUENT_MAGIC = 0x00;
const GLUE_HEADER_VERSION = 0x03;
const GLUE_COMPRESSION_NONE = 0x00;
const GLUE_COMPRESSION_ZLIB = 0x05;

/**
 * Does the one part of the judge's path that Powertools leaves to Lambda: with a schema registry
 * configured and EventRecordFormat SOURCE, the event source mapping "removes all schema metadata,
 * such as the schema ID" from the value and reports the id in `valueSchemaMetadata` (AWS
 * CloudFormation reference, SchemaRegistryConfig.EventRecordFormat). Powertools' own test events,
 * recorded from Lambda, show what is left: a Confluent Protobuf value still starts with its
 * message-index array, a Glue Protobuf value with its message index; Avro and JSON values are the
 * bare encoding.
 *
 * The layouts are the documented ones, read strictly, never from our serializer's code:
 * - Confluent: magic byte 0, the schema id as a big-endian unsigned 32-bit integer, the payload;
 * - Glue: header version byte 3, compression byte (0 none, 5 zlib), the schema version UUID in
 *   16 bytes, the payload. A zlib payload is inflated here, as Glue's deserializer does, on the
 *   assumption that Lambda hands on the decompressed value (a compressed value is not in
 *   Powertools' test events).
 */
export function unframeValue(value: Buffer, framing: Framing): UnframedValue {
  return framing === 'confluent' ? unframeConfluent(value) : unframeGlue(value);
}

function unframeConfluent(value: Buffer): UnframedValue {
  if (value.length < 5)
    throw new FrameError(`a Confluent-framed value has at least 5 bytes, this one ${value.length}`);
  if (value[0] !== CONFLUENT_MAGIC) {
    throw new FrameError(`a Confluent-framed value starts with magic byte 0, this one with ${value[0]}`);
  }
  return { schemaId: String(value.readUInt32BE(1)), payload: value.subarray(5) };
}

function unframeGlue(value: Buffer): UnframedValue {
  if (value.length < 18)
    throw new FrameError(`a Glue-framed value has at least 18 bytes, this one ${value.length}`);
  if (value[0] !== GLUE_HEADER_VERSION) {
    throw new FrameError(`a Glue-framed value starts with header version 3, this one with ${value[0]}`);
  }
  const hex = value.subarray(2, 18).toString('hex');
  const schemaId = [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join('-');
  const body = value.subarray(18);
  if (value[1] === GLUE_COMPRESSION_NONE) return { schemaId, payload: body };
  if (value[1] === GLUE_COMPRESSION_ZLIB) {
    try {
      return { schemaId, payload: inflateSync(body) };
    } catch (error) {
      throw new FrameError(
        `a Glue value marked zlib-compressed does not inflate: ${(error as Error).message}`,
      );
    }
  }
  throw new FrameError(`Glue's compression byte is 0 (none) or 5 (zlib), this one is ${value[1]}`);
}
