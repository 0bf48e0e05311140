import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  confluentFrame,
  confluentGuidHeader,
  confluentPrefix,
  encodeMessageIndexes,
} from '../../../lib/schema/framing/confluent-frame.ts';
import { glueFrame, glueProtobufPayload } from '../../../lib/schema/framing/glue-frame.ts';
import { unsignedVarint, zigzagVarint } from '../../../lib/schema/framing/varint.ts';

const hex = (text: string) => Buffer.from(text.replaceAll(' ', ''), 'hex');

// Vectors from the reference clients' own test suites, not from this encoder:
// - confluent-kafka-python tests/schema_registry/test_schema_id.py (SchemaId id/GUID, with and
//   without message indexes) and test_proto.py (test_index_encoder: zig-zag varints);
// - schema-registry's MessageIndexes.toByteArray() / SchemaId.SchemaMessageIndexes: `[0]` is the
//   single byte 0x00 (DEFAULT_MSG_INDEXES);
// - Powertools for AWS Lambda (TypeScript) packages/kafka/tests/events/protobuf-complex.*.json:
//   records produced with Confluent's and Glue's Protobuf serializers, whose bytes after the schema
//   id start with the message indexes `02 02` ([1]) and Glue's index `01`.
describe('Confluent framing', () => {
  it('prefixes magic byte 0 and the 4-byte big-endian schema id (test_schema_id)', () => {
    expect(confluentPrefix(1)).toEqual(hex('00 00000001'));
  });

  it('adds Protobuf message indexes after the id (test_schema_id_with_message_indexes)', () => {
    expect(confluentPrefix(1, [1, 2, 3])).toEqual(hex('00 00000001 06 02 04 06'));
  });

  it('writes the common [0] as the single byte 0, as the Java serializer does', () => {
    expect(encodeMessageIndexes([0])).toEqual(hex('00'));
    expect(confluentFrame(7, hex('0a03616263'), [0])).toEqual(hex('00 00000007 00 0a03616263'));
  });

  it('writes [1] as count 1, index 1 (02 02), as in a Confluent-produced record', () => {
    expect(encodeMessageIndexes([1])).toEqual(hex('02 02'));
  });

  it('writes a nested message path with each index zig-zag encoded', () => {
    // Paths from confluent-kafka-python's test_create_index ([ControlMessage, Watermark] = [15, 1]);
    // the bytes follow the zig-zag rule the vectors above pin down.
    expect(encodeMessageIndexes([15, 1])).toEqual(hex('04 1e 02'));
    expect(encodeMessageIndexes([4, 0, 1, 2])).toEqual(hex('08 08 00 02 04'));
  });

  it('encodes schema ids up to 2^31-1 big-endian and refuses others', () => {
    expect(confluentPrefix(0x01020304)).toEqual(hex('00 01020304'));
    expect(confluentPrefix(0x7fffffff)).toEqual(hex('00 7fffffff'));
    expect(() => confluentPrefix(-1)).toThrow(RangeError);
    expect(() => confluentPrefix(2 ** 31)).toThrow(RangeError);
    expect(() => confluentPrefix(1.5)).toThrow(RangeError);
  });

  it('refuses an empty index path', () => {
    expect(() => encodeMessageIndexes([])).toThrow(RangeError);
  });

  it('puts magic byte 1 and the GUID in the __value_schema_id header value (test_schema_guid)', () => {
    expect(confluentGuidHeader('89791762-2336-4186-9674-299b90a802e2')).toEqual(
      hex('01 89791762 2336 4186 9674 299b90a802e2'),
    );
    expect(confluentGuidHeader('89791762-2336-4186-9674-299B90A802E2', [1, 2, 3])).toEqual(
      hex('01 89791762 2336 4186 9674 299b90a802e2 06 02 04 06'),
    );
  });

  it('refuses a GUID that is not a UUID', () => {
    expect(() => confluentGuidHeader('89791762-2336-4186-9674')).toThrow(RangeError);
  });
});

describe('varints', () => {
  it.each([
    [0, '00'],
    [1, '02'],
    [-1, '01'],
    [63, '7e'],
    [127, 'fe01'],
    [128, '8002'],
    [2 ** 31 - 1, 'feffffff0f'],
    [-(2 ** 31), 'ffffffff0f'],
  ])('zig-zag %i is %s (Kafka ByteUtils.writeVarint; test_index_encoder)', (value, bytes) => {
    expect(Buffer.from(zigzagVarint(value)).toString('hex')).toBe(bytes);
  });

  it.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [2 ** 32 - 1, 'ffffffff0f'],
  ])('unsigned %i is %s (Protobuf writeUInt32NoTag)', (value, bytes) => {
    expect(Buffer.from(unsignedVarint(value)).toString('hex')).toBe(bytes);
  });

  it('refuses numbers outside 32 bits', () => {
    expect(() => zigzagVarint(2 ** 31)).toThrow(RangeError);
    expect(() => unsignedVarint(-1)).toThrow(RangeError);
    expect(() => unsignedVarint(2 ** 32)).toThrow(RangeError);
  });
});

describe('Glue framing', () => {
  // Layout from awslabs/aws-glue-schema-registry SerializationDataEncoder.write and
  // AWSSchemaRegistryConstants: HEADER_VERSION_BYTE 3, COMPRESSION_DEFAULT_BYTE 0,
  // COMPRESSION_BYTE 5, the UUID as getMostSignificantBits then getLeastSignificantBits.
  const versionId = '12345678-1234-1234-1234-123456789012';

  it('writes 0x03, compression 0x00, the 16-byte version UUID, then the payload', () => {
    expect(glueFrame(versionId, hex('d20f0c'), 'none')).toEqual(
      hex('03 00 12345678 1234 1234 1234 123456789012 d20f0c'),
    );
  });

  it('with zlib: compression byte 0x05 and a zlib stream that inflates to the payload', () => {
    const payload = Buffer.from('{"a":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}');
    const framed = glueFrame(versionId, payload, 'zlib');
    expect(framed.subarray(0, 18)).toEqual(hex('03 05 12345678 1234 1234 1234 123456789012'));
    expect(framed[18]).toBe(0x78); // a zlib header (java.util.zip.Deflater's format), not raw deflate
    expect(inflateSync(framed.subarray(18))).toEqual(payload);
    expect(framed.length).toBeLessThan(18 + payload.length);
  });

  it('prefixes a Protobuf message with its index as an unsigned varint (Powertools glue event: 01)', () => {
    expect(glueProtobufPayload(1, hex('0a03313233'))).toEqual(hex('01 0a03313233'));
    expect(glueProtobufPayload(130, hex('0a'))).toEqual(hex('8201 0a'));
  });
});
