import { describe, expect, it } from 'vitest';
import { emptyHeaderRecord } from '../../../lib/writer/header-record.ts';

describe('emptyHeaderRecord', () => {
  it('keeps a header named __proto__ as an own header instead of changing the prototype', () => {
    const headers = emptyHeaderRecord<string>();
    // Names as an SQS record's attributes bring them: strings, not property syntax.
    for (const [name, value] of JSON.parse(
      '[["__proto__","proto-value"],["constructor","constructor-value"]]',
    ))
      headers[name] = value;
    expect(Object.entries(headers)).toEqual([
      ['__proto__', 'proto-value'],
      ['constructor', 'constructor-value'],
    ]);
    expect(JSON.stringify(headers)).toBe('{"__proto__":"proto-value","constructor":"constructor-value"}');
  });

  it('inherits no name a header could be mistaken for', () => {
    const headers = emptyHeaderRecord<string>();
    for (const name of ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__']) {
      expect(name in headers).toBe(false);
      expect(headers[name]).toBeUndefined();
    }
  });

  it('gives each call its own record: the shared prototype takes no headers', () => {
    const first = emptyHeaderRecord<string>();
    first.shared = 'no';
    const second = emptyHeaderRecord<string>();
    expect(Object.keys(second)).toEqual([]);
    expect(() => {
      (Object.getPrototypeOf(first) as Record<string, string>).leaked = 'x';
    }).toThrow(TypeError);
  });
});
