import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { createAvroCodec } from '../../../lib/schema/formats/avro-codec.ts';
import { SchemaDefinitionError } from '../../../lib/schema/formats/schema-definition-error.ts';
import { SchemaValidationError } from '../../../lib/schema/value-serializer.ts';

/** The failure `encode` throws, for assertions on its pointer and message. */
function failure(encode: () => unknown): SchemaValidationError {
  try {
    encode();
  } catch (error) {
    if (error instanceof SchemaValidationError) return error;
    throw error;
  }
  throw new Error('expected a SchemaValidationError, nothing was thrown');
}

const ORDER = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'qty', type: 'int', default: 1 },
    {
      name: 'lines',
      type: {
        type: 'array',
        items: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }] },
      },
    },
    { name: 'amount', type: ['null', 'int', 'long'], default: null },
    { name: 'digest', type: ['null', 'bytes'], default: null },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] }, default: 'NEW' },
  ],
});

describe('Avro codec', () => {
  it("encodes Powertools' Product record byte for byte (packages/kafka/tests/events/avro.json)", () => {
    const codec = createAvroCodec(
      '{"type":"record","name":"Product","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"},{"name":"price","type":"double"}]}',
    );
    const bytes = codec.encode('{"id":1001,"name":"Laptop","price":999.99}');
    expect(Buffer.from(bytes).toString('base64')).toBe('0g8MTGFwdG9wUrgehes/j0A=');
  });

  it('takes plain JSON: defaults fill left-out fields, an unambiguous union takes the plain value', () => {
    const codec = createAvroCodec(ORDER);
    const bytes = codec.encode('{"id":42,"note":"gift","lines":[{"sku":"A-1"}]}');
    const decoded = avro.Type.forSchema(JSON.parse(ORDER), { wrapUnions: 'auto' }).fromBuffer(
      Buffer.from(bytes),
    );
    expect({ ...decoded, lines: decoded.lines.map((l: object) => ({ ...l })) }).toEqual({
      id: 42,
      note: 'gift',
      qty: 1,
      lines: [{ sku: 'A-1' }],
      amount: null,
      digest: null,
      status: 'NEW',
    });
  });

  it('takes an ambiguous union in Avro JSON wrapped form, and refuses it plain', () => {
    const codec = createAvroCodec(ORDER);
    const type = avro.Type.forSchema(JSON.parse(ORDER), { wrapUnions: 'auto' });
    const bytes = codec.encode('{"id":1,"lines":[],"amount":{"long":7}}');
    expect(type.fromBuffer(Buffer.from(bytes)).amount).toEqual({ long: 7 });

    const error = failure(() => codec.encode('{"id":1,"lines":[],"amount":7}'));
    expect(error.field).toBe('/amount');
    expect(error.message).toContain('wrapped');
  });

  it('takes bytes as a string of code points 0-255 (Avro JSON encoding)', () => {
    const codec = createAvroCodec(ORDER);
    const type = avro.Type.forSchema(JSON.parse(ORDER), { wrapUnions: 'auto' });
    const bytes = codec.encode('{"id":1,"lines":[],"digest":"\\u0000\\u00ff\\u0041"}');
    expect(type.fromBuffer(Buffer.from(bytes)).digest).toEqual(Buffer.from([0x00, 0xff, 0x41]));

    expect(failure(() => codec.encode('{"id":1,"lines":[],"digest":"\\u0100"}')).field).toBe('/digest');
  });

  it.each([
    ['a wrong type', '{"id":"x","lines":[]}', '/id', 'expected long'],
    ['a required field left out', '{"lines":[]}', '/id', 'a field without a default must be given'],
    ['an array element', '{"id":1,"lines":[{"sku":"a"},{"sku":2}]}', '/lines/1/sku', 'expected string'],
    ['an undeclared field', '{"id":1,"lines":[],"coupon":"X"}', '/coupon', 'has no field "coupon"'],
    [
      'a nested undeclared field',
      '{"id":1,"lines":[{"sku":"a","size":"L"}]}',
      '/lines/0/size',
      'no field "size"',
    ],
    ['an unknown enum symbol', '{"id":1,"lines":[],"status":"LOST"}', '/status', '"NEW", "PAID"'],
    ['a float for a long', '{"id":1.5,"lines":[]}', '/id', 'expected long'],
    ['a long past 2^53', '{"id":9007199254740993,"lines":[]}', '/id', 'past 2^53'],
    ['not an object', '[1]', '', 'expected a record shop.Order'],
  ])('names the failing field of %s as a JSON pointer', (_case, json, pointer, message) => {
    const error = failure(() => createAvroCodec(ORDER).encode(json));
    expect(error.field).toBe(pointer);
    expect(error.message).toContain(message);
    expect(error.retriable).toBe(false);
  });

  it('escapes ~ and / in pointer tokens (RFC 6901)', () => {
    const codec = createAvroCodec('{"type":"map","values":"int"}');
    expect(failure(() => codec.encode('{"a/b~c":"x"}')).field).toBe('/a~1b~0c');
  });

  it('says the value is not JSON when it is not', () => {
    const error = failure(() => createAvroCodec(ORDER).encode('{"id":'));
    expect(error.field).toBe('');
    expect(error.message).toMatch(/^the value is not JSON/);
  });

  it('handles recursive schemas with bytes reached through the recursion', () => {
    const codec = createAvroCodec(
      JSON.stringify({
        type: 'record',
        name: 'Node',
        fields: [
          {
            name: 'next',
            type: ['null', { type: 'record', name: 'Link', fields: [{ name: 'to', type: 'Node' }] }],
          },
          { name: 'data', type: 'bytes' },
        ],
      }),
    );
    const bytes = codec.encode('{"next":{"to":{"next":null,"data":"b"}},"data":"a"}');
    expect(Buffer.from(bytes)).toEqual(Buffer.from([0x02, 0x00, 0x02, 0x62, 0x02, 0x61]));
  });

  it('refuses a schema that does not parse, as a definition problem', () => {
    expect(() => createAvroCodec('{"type":"record","name":"X"}')).toThrow(SchemaDefinitionError);
    expect(() => createAvroCodec('not json')).toThrow(SchemaDefinitionError);
  });
});
