import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { createProtobufCodec } from '../../../lib/schema/formats/protobuf-codec.ts';
import { SchemaDefinitionError } from '../../../lib/schema/formats/schema-definition-error.ts';
import { SchemaValidationError } from '../../../lib/schema/value-serializer.ts';

function failure(encode: () => unknown): SchemaValidationError {
  try {
    encode();
  } catch (error) {
    if (error instanceof SchemaValidationError) return error;
    throw error;
  }
  throw new Error('expected a SchemaValidationError, nothing was thrown');
}

// Powertools for AWS Lambda (TypeScript), packages/kafka/tests/protos/complex.proto, and the value
// of the record in packages/kafka/tests/events/protobuf-complex.glue.json: written by Glue's
// Protobuf serializer; Lambda's event source mapping removed the 18-byte Glue header, leaving the
// message index (01: UserProfile sorts after Address) and the message.
const COMPLEX_PROTO = `syntax = "proto3";
package com.example.protobuf;

message Address {
  string street = 1;
  string city = 2;
  string zip = 3;
}

message UserProfile {
  string userId = 1;
  string name = 2;
  string email = 3;
  int32 age = 4;
  bool isActive = 5;
  string signupDate = 6;
  repeated string tags = 7;
  map<string, string> preferences = 9;
  Address address = 10;
}`;
const GLUE_RECORD_VALUE =
  'AQoDMTIzEgRUZXN0Ggx0ZXN0QGdteC5jb20gCjIKMjAyNS0wNi0yMDoEdGFnMToEdGFnMkoOCgV0aGVtZRIFbGlnaHRSGgoKTXl0aGVucXVhaRIGWnVyaWNoGgQ4MDAy';

const SHOP_PROTO = `syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

message Order {
  string id = 1;
  message Line {
    string sku = 1;
    int32 qty = 2;
    message Discount { string code = 1; }
    Discount discount = 3;
  }
  repeated Line lines = 2;
  map<string, int32> counts = 3;
  Status status = 4;
  oneof payment { string card = 5; string iban = 6; }
  bytes digest = 7;
  google.protobuf.Timestamp placed_at = 8;
  string display_name = 9 [json_name = "shownName"];
  int64 big = 10;
  uint64 ubig = 11;
  double ratio = 12;
  google.protobuf.Int32Value maybe = 13;
}
enum Status { STATUS_UNKNOWN = 0; STATUS_PAID = 1; }
message Refund { string order_id = 1; }
`;

/** protobufjs itself as the decoder, with Google's well-known types the schemas import. */
function decoder(proto: string, name: string): protobuf.Type {
  const root = new protobuf.Root();
  for (const file of ['google/protobuf/timestamp.proto', 'google/protobuf/wrappers.proto']) {
    root.addJSON(protobuf.common.get(file)?.nested ?? {});
  }
  return protobuf.parse(proto, root, { keepCase: true }).root.lookupType(name);
}

describe('Protobuf codec', () => {
  it("encodes Powertools' UserProfile record byte for byte, with Glue's message index 1", () => {
    const codec = createProtobufCodec(COMPLEX_PROTO, { messageName: 'com.example.protobuf.UserProfile' });
    const bytes = codec.encode(
      JSON.stringify({
        userId: '123',
        name: 'Test',
        email: 'test@gmx.com',
        age: 10,
        isActive: false,
        signupDate: '2025-06-20',
        tags: ['tag1', 'tag2'],
        preferences: { theme: 'light' },
        address: { street: 'Mythenquai', city: 'Zurich', zip: '8002' },
      }),
    );
    expect(codec.glueMessageIndex).toBe(1);
    expect(Buffer.concat([Buffer.from([codec.glueMessageIndex ?? -1]), bytes]).toString('base64')).toBe(
      GLUE_RECORD_VALUE,
    );
    expect(codec.messageIndexes).toEqual([1]);
  });

  it("encodes the file's first message by default, index path [0]", () => {
    const codec = createProtobufCodec(COMPLEX_PROTO);
    expect(codec.messageIndexes).toEqual([0]);
    expect(codec.glueMessageIndex).toBe(0);
    expect(Buffer.from(codec.encode('{"street":"a"}'))).toEqual(Buffer.from([0x0a, 0x01, 0x61]));
  });

  it('gives a nested message its path of indexes (Confluent) and its sorted position (Glue)', () => {
    const line = createProtobufCodec(SHOP_PROTO, { messageName: 'shop.v1.Order.Line' });
    expect(line.messageIndexes).toEqual([0, 0]);
    const discount = createProtobufCodec(SHOP_PROTO, { messageName: '.shop.v1.Order.Line.Discount' });
    expect(discount.messageIndexes).toEqual([0, 0, 0]);
    const refund = createProtobufCodec(SHOP_PROTO, { messageName: 'shop.v1.Refund' });
    expect(refund.messageIndexes).toEqual([1]);
    // Sorted: shop.v1.Order, shop.v1.Order.Line, shop.v1.Order.Line.Discount, shop.v1.Refund
    expect([line, discount, refund].map((c) => c.glueMessageIndex)).toEqual([1, 2, 3]);
  });

  it("numbers a deeply nested file as Glue's MessageIndexFinderTest expects (A.B.C.X.D = 6)", () => {
    // The nesting of ComplexNestingSyntax3.proto in awslabs/aws-glue-schema-registry's tests,
    // declared here out of alphabetical order so only sorting can give the expected numbers.
    const proto = `syntax = "proto3"; package p;
      message O { message A {} }
      message N {}
      message A {
        message X {}
        message I {}
        message B { message C {
          message X { message L {} message D { message G {} message F { message M {} } } }
          message J { message K {} }
        } }
      }`;
    const expected: Record<string, number> = {
      'p.A': 0,
      'p.A.B': 1,
      'p.A.B.C': 2,
      'p.A.B.C.J': 3,
      'p.A.B.C.J.K': 4,
      'p.A.B.C.X': 5,
      'p.A.B.C.X.D': 6,
      'p.A.B.C.X.D.F': 7,
      'p.A.B.C.X.D.F.M': 8,
      'p.A.B.C.X.D.G': 9,
      'p.A.B.C.X.L': 10,
      'p.A.I': 11,
      'p.A.X': 12,
      'p.N': 13,
      'p.O': 14,
      'p.O.A': 15,
    };
    for (const [name, index] of Object.entries(expected)) {
      expect([name, createProtobufCodec(proto, { messageName: name }).glueMessageIndex]).toEqual([
        name,
        index,
      ]);
    }
    // Confluent's path for A.B.C.X.D follows declaration order: A is 3rd, B 3rd in A, C 1st, X 1st, D 2nd.
    expect(createProtobufCodec(proto, { messageName: 'p.A.B.C.X.D' }).messageIndexes).toEqual([
      2, 2, 0, 0, 1,
    ]);
  });

  it('maps proto3 JSON: JSON names, enums by name, oneof, base64 bytes, Timestamp, wrappers, 64-bit strings', () => {
    const codec = createProtobufCodec(SHOP_PROTO);
    const bytes = codec.encode(
      JSON.stringify({
        id: 'o-1',
        lines: [{ sku: 'A', qty: '3', discount: { code: 'X' } }],
        counts: { a: 1 },
        status: 'STATUS_PAID',
        iban: 'DE00',
        digest: '3q2-7w==',
        placedAt: '2024-02-29T12:00:01.5+01:00',
        shownName: 'Ann',
        big: '-9223372036854775808',
        ubig: '18446744073709551615',
        ratio: 'Infinity',
        maybe: 0,
      }),
    );
    const decoded = decoder(SHOP_PROTO, 'shop.v1.Order').toObject(
      decoder(SHOP_PROTO, 'shop.v1.Order').decode(bytes),
      {
        longs: String,
        bytes: String,
        enums: String,
      },
    );
    expect(decoded).toEqual({
      id: 'o-1',
      lines: [{ sku: 'A', qty: 3, discount: { code: 'X' } }],
      counts: { a: 1 },
      status: 'STATUS_PAID',
      iban: 'DE00',
      digest: '3q2+7w==',
      placed_at: { seconds: String(Date.UTC(2024, 1, 29, 11, 0, 1) / 1000), nanos: 500_000_000 },
      display_name: 'Ann',
      big: '-9223372036854775808',
      ubig: '18446744073709551615',
      ratio: Number.POSITIVE_INFINITY,
      maybe: {},
    });
  });

  it('keeps a 64-bit integer sent as a JSON number exact past 2^53', () => {
    const codec = createProtobufCodec(SHOP_PROTO);
    const type = decoder(SHOP_PROTO, 'shop.v1.Order');
    const decoded = type.toObject(type.decode(codec.encode('{"big":9007199254740993}')), { longs: String });
    expect(decoded.big).toBe('9007199254740993');
  });

  it('keeps the extremes of int64 and uint64 exact as JSON numbers, next to digits in strings', () => {
    const codec = createProtobufCodec(SHOP_PROTO);
    const type = decoder(SHOP_PROTO, 'shop.v1.Order');
    const json = '{"id":"1234567890123456789","big":-9223372036854775808,"ubig":18446744073709551615}';
    const decoded = type.toObject(type.decode(codec.encode(json)), { longs: String });
    expect(decoded).toMatchObject({
      id: '1234567890123456789',
      big: '-9223372036854775808',
      ubig: '18446744073709551615',
    });
  });

  it('reads safe integers without the big-integer path (15 digits, int64 and int32)', () => {
    const codec = createProtobufCodec(SHOP_PROTO);
    const type = decoder(SHOP_PROTO, 'shop.v1.Order');
    const decoded = type.toObject(
      type.decode(codec.encode('{"big":-999999999999999,"lines":[{"qty":-7}]}')),
      {
        longs: String,
      },
    );
    expect(decoded).toMatchObject({ big: '-999999999999999', lines: [{ qty: -7 }] });
  });

  it.each([
    ['an unknown field', '{"coupon":"x"}', '/coupon', 'has no field "coupon"'],
    [
      'a nested unknown field',
      '{"lines":[{"sku":"a","size":1}]}',
      '/lines/0/size',
      'Order.Line has no field',
    ],
    ['a wrong scalar type', '{"id":5}', '/id', 'expected a string'],
    ['an int32 out of range', '{"lines":[{"qty":2147483648}]}', '/lines/0/qty', 'out of range for int32'],
    ['a fraction for an int32', '{"lines":[{"qty":1.5}]}', '/lines/0/qty', 'expected an integer'],
    ['a uint64 below zero', '{"ubig":"-1"}', '/ubig', 'out of range for uint64'],
    ['an unknown enum name', '{"status":"LOST"}', '/status', 'not a value of enum shop.v1.Status'],
    ['two members of a oneof', '{"card":"4111","iban":"DE"}', '/iban', 'oneof payment'],
    ['bytes that are not base64', '{"digest":"not base64!"}', '/digest', 'base64'],
    ['a bad timestamp', '{"placedAt":"yesterday"}', '/placedAt', 'RFC 3339'],
    ['an array for a message', '{"lines":[[]]}', '/lines/0', 'expected an object'],
    ['null inside a repeated field', '{"lines":[null]}', '/lines/0', 'cannot be null'],
    ['a map key of the wrong type', '{"counts":{"a":"x"}}', '/counts/a', 'expected an integer'],
    ['a field given by both names', '{"display_name":"a","shownName":"b"}', '/shownName', 'given twice'],
  ])('names the failing field of %s as a JSON pointer', (_case, json, pointer, message) => {
    const error = failure(() => createProtobufCodec(SHOP_PROTO).encode(json));
    expect(error.field).toBe(pointer);
    expect(error.message).toContain(message);
  });

  it('takes null as an absent field, and reports a missing proto2 required field', () => {
    const codec = createProtobufCodec(SHOP_PROTO);
    expect(Buffer.from(codec.encode('{"id":null,"lines":null}'))).toEqual(Buffer.alloc(0));
    const proto2 = createProtobufCodec('syntax = "proto2"; message M { required string name = 1; }');
    expect(failure(() => proto2.encode('{}')).field).toBe('/name');
  });

  it('refuses schemas it cannot use, as definition problems', () => {
    expect(() => createProtobufCodec('syntax = "proto3"; message {')).toThrow(SchemaDefinitionError);
    expect(() => createProtobufCodec('syntax = "proto3"; import "other.proto"; message M {}')).toThrow(
      /schema references are not supported/,
    );
    expect(() => createProtobufCodec('syntax = "proto3"; enum E { A = 0; }')).toThrow(/declares no message/);
    expect(() => createProtobufCodec(SHOP_PROTO, { messageName: 'shop.v1.Nope' })).toThrow(
      /no message shop.v1.Nope/,
    );
    expect(() => createProtobufCodec('syntax = "proto3"; message M { Missing m = 1; }')).toThrow(
      SchemaDefinitionError,
    );
  });
});
