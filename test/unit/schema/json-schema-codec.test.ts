import { describe, expect, it } from 'vitest';
import { createJsonSchemaCodec } from '../../../lib/schema/formats/json-schema-codec.ts';
import { SchemaDefinitionError } from '../../../lib/schema/formats/schema-definition-error.ts';
import { SchemaValidationError } from '../../../lib/schema/value-serializer.ts';

async function failure(encode: () => unknown): Promise<SchemaValidationError> {
  try {
    encode();
  } catch (error) {
    if (error instanceof SchemaValidationError) return error;
    throw error;
  }
  throw new Error('expected a SchemaValidationError, nothing was thrown');
}

const ORDER = {
  type: 'object',
  title: 'shop.Order',
  properties: {
    id: { type: 'integer' },
    email: { type: 'string', format: 'email' },
    lines: {
      type: 'array',
      items: {
        type: 'object',
        properties: { sku: { type: 'string', minLength: 1 } },
        required: ['sku'],
        additionalProperties: false,
      },
    },
  },
  required: ['id'],
};

describe('JSON Schema codec', () => {
  it("writes the sender's own JSON text once it validates (64-bit numbers and key order kept)", async () => {
    const codec = await createJsonSchemaCodec(JSON.stringify(ORDER));
    const text = '{ "lines": [], "id": 820982911946154508 }';
    expect(Buffer.from(codec.encode(text)).toString('utf8')).toBe(text);
  });

  it.each([
    ['a missing required property', '{"lines":[]}', '/id', 'is required'],
    ['a wrong type', '{"id":"7"}', '/id', 'Expected "integer"'],
    ['a nested required property', '{"id":1,"lines":[{}]}', '/lines/0/sku', 'is required'],
    ['an additional property', '{"id":1,"lines":[{"sku":"a","size":"L"}]}', '/lines/0/size', 'not allowed'],
    ['a format', '{"id":1,"email":"not-an-address"}', '/email', 'does not match format "email"'],
    ['a constraint', '{"id":1,"lines":[{"sku":""}]}', '/lines/0/sku', 'String is too short'],
    ['the whole value', '[]', '', 'Expected "object"'],
  ])(
    'names the failing field of %s as a JSON pointer (draft-07, the default)',
    async (_case, json, pointer, msg) => {
      const codec = await createJsonSchemaCodec(JSON.stringify(ORDER));
      const error = await failure(() => codec.encode(json));
      expect(error.field).toBe(pointer);
      expect(error.message).toContain(msg);
    },
  );

  it('follows $schema: 2020-12 (prefixItems, unevaluatedProperties)', async () => {
    const codec = await createJsonSchemaCodec(
      JSON.stringify({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }] } },
        unevaluatedProperties: false,
      }),
    );
    expect(Buffer.from(codec.encode('{"pair":["a",1]}')).toString()).toBe('{"pair":["a",1]}');
    expect((await failure(() => codec.encode('{"pair":[1,1]}'))).field).toBe('/pair/0');
    expect((await failure(() => codec.encode('{"pair":["a",1],"x":1}'))).field).toBe('/x');
  });

  it.each([
    ['http://json-schema.org/draft-04/schema#', { type: 'integer', maximum: 5, exclusiveMaximum: true }, '5'],
    ['http://json-schema.org/draft-06/schema#', { type: 'integer', exclusiveMaximum: 5 }, '5'],
    ['https://json-schema.org/draft/2019-09/schema', { type: 'integer', exclusiveMaximum: 5 }, '5'],
  ])('knows draft %s', async (dialect, schema, invalid) => {
    const codec = await createJsonSchemaCodec(JSON.stringify({ $schema: dialect, ...schema }));
    expect(Buffer.from(codec.encode('4')).toString()).toBe('4');
    expect((await failure(() => codec.encode(invalid))).message).toContain('greater than or equal');
  });

  it('ignores keywords it does not know (registry annotations such as confluent:tags)', async () => {
    const codec = await createJsonSchemaCodec('{"type":"string","confluent:tags":["PII"]}');
    expect(Buffer.from(codec.encode('"x"')).toString()).toBe('"x"');
  });

  it('refuses an unknown dialect, a schema that is not JSON, and a dangling $ref, as definition problems', async () => {
    await expect(createJsonSchemaCodec('{"$schema":"https://example.com/my-dialect"}')).rejects.toThrow(
      SchemaDefinitionError,
    );
    await expect(createJsonSchemaCodec('{type: object}')).rejects.toThrow(SchemaDefinitionError);
    const dangling = await createJsonSchemaCodec('{"type":"object","properties":{"a":{"$ref":"#/nowhere"}}}');
    expect(() => dangling.encode('{"a":1}')).toThrow(SchemaDefinitionError);
  });

  it('decodes the pointer of a field whose name needs escaping', async () => {
    const codec = await createJsonSchemaCodec('{"properties":{"a b%c/d":{"type":"integer"}}}');
    expect((await failure(() => codec.encode('{"a b%c/d":"x"}'))).field).toBe('/a b%c~1d');
  });

  it('says the value is not JSON when it is not', async () => {
    const codec = await createJsonSchemaCodec('{}');
    const error = await failure(() => codec.encode('{"a":'));
    expect(error.field).toBe('');
    expect(error.message).toMatch(/^the value is not JSON/);
  });
});
