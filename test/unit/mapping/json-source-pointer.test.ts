import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonPointer, resolvePointer } from '../../../lib/mapping/json-pointer.ts';
import { resolvePointerInSource, type SourceValue } from '../../../lib/mapping/json-source-pointer.ts';

const at = (text: string, pointer: string) => resolvePointerInSource(text, parseJsonPointer(pointer) ?? []);

describe('resolvePointerInSource', () => {
  it('keeps the source text of numbers, so 64-bit ids stay distinct', () => {
    expect(at('{"id":820982911946154508}', '/id')).toEqual({ type: 'number', text: '820982911946154508' });
    expect(at('{"id":820982911946154511}', '/id')).toEqual({ type: 'number', text: '820982911946154511' });
  });

  it.each<[string, string, SourceValue | undefined]>([
    ['{"n": 1.50}', '/n', { type: 'number', text: '1.50' }],
    ['{"n":-0}', '/n', { type: 'number', text: '-0' }],
    ['{"n":1E400}', '/n', { type: 'number', text: '1E400' }],
    ['{"s":"a\\"b\\u00e9\\n"}', '/s', { type: 'string', value: 'a"bé\n' }],
    ['{"b":true,"f":false}', '/f', { type: 'boolean', value: false }],
    ['{"z":null}', '/z', { type: 'null' }],
    ['{ "o" : { "a" : [ 1 , "x" ] } }', '/o', { type: 'object', text: '{"a":[1,"x"]}' }],
    ['{"a":[10,[20,{"id":30000000000000001}]]}', '/a/1/1/id', { type: 'number', text: '30000000000000001' }],
    ['{"a":[10,20]}', '/a', { type: 'array', text: '[10,20]' }],
    ['{"a":"x y"}', '', { type: 'object', text: '{"a":"x y"}' }],
    ['  42  ', '', { type: 'number', text: '42' }],
    ['{"a/b":{"m~n":7}}', '/a~1b/m~0n', { type: 'number', text: '7' }],
    ['{"\\u0069d":5}', '/id', { type: 'number', text: '5' }],
    ['{"id":1,"id":2}', '/id', { type: 'number', text: '2' }],
    ['{"":{"":3}}', '//', { type: 'number', text: '3' }],
    ['{"__proto__":9}', '/__proto__', { type: 'number', text: '9' }],
    ['{"a":{"b":"}],{[\\""},"id":4}', '/id', { type: 'number', text: '4' }],
    ['\t{\r\n"id"\n:\n11\n}\n', '/id', { type: 'number', text: '11' }],
  ])('resolves %s at %j', (text, pointer, expected) => {
    expect(at(text, pointer)).toEqual(expected);
  });

  it.each([
    ['{"a":1}', '/b'],
    ['{"a":1}', '/a/0'],
    ['[1,2]', '/2'],
    ['[1,2]', '/01'],
    ['[1,2]', '/-'],
    ['[]', '/0'],
    ['{}', '/constructor'],
    ['"text"', '/0'],
  ])('finds nothing in %s at %j', (text, pointer) => {
    expect(at(text, pointer)).toBeUndefined();
  });

  it('agrees with resolvePointer on the parsed document for every JSON value (fast-check)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4 }), (value, spaces) => {
        const text = JSON.stringify(value, null, spaces);
        const document = JSON.parse(text);
        for (const tokens of pointersInto(document)) {
          const found = resolvePointerInSource(text, tokens);
          const expected = resolvePointer(document, tokens);
          expect(found).toBeDefined();
          if (found?.type === 'number') expect(Number(found.text)).toBe(expected);
          else if (found?.type === 'string' || found?.type === 'boolean') expect(found.value).toBe(expected);
          else if (found?.type === 'null') expect(expected).toBeNull();
          else expect(JSON.parse(found?.text ?? '')).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** Every pointer (as tokens) that exists in a parsed document. */
function pointersInto(document: unknown, prefix: string[] = []): string[][] {
  const here = [prefix];
  if (Array.isArray(document)) {
    return here.concat(...document.map((item, i) => pointersInto(item, [...prefix, String(i)])));
  }
  if (document !== null && typeof document === 'object') {
    return here.concat(
      ...Object.entries(document).map(([name, item]) => pointersInto(item, [...prefix, name])),
    );
  }
  return here;
}
