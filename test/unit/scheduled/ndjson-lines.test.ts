import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type LinePosition,
  LineSplitter,
  type NdjsonLine,
  parseLine,
} from '../../../lib/lambda/scheduled/ndjson-lines.ts';

/** Splits `bytes` at the given cut points, as consecutive ranged GETs would return them. */
function chunksAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  return chunks;
}

function split(
  chunks: Buffer[],
  from: LinePosition = { offset: 0, line: 0 },
  maxLineBytes = 1 << 20,
): NdjsonLine[] {
  const splitter = new LineSplitter(from, maxLineBytes);
  const lines = chunks.flatMap((chunk) => splitter.push(chunk));
  const last = splitter.end();
  return last ? [...lines, last] : lines;
}

const view = (lines: NdjsonLine[]) =>
  lines.map((l) => ({ text: l.bytes.toString('utf8'), number: l.number, start: l.start, end: l.end }));

describe('LineSplitter', () => {
  const text = '{"id":1}\n{"id":22}\n\n{"id":333}\n';
  const expected = [
    { text: '{"id":1}', number: 1, start: 0, end: 9 },
    { text: '{"id":22}', number: 2, start: 9, end: 19 },
    { text: '', number: 3, start: 19, end: 20 },
    { text: '{"id":333}', number: 4, start: 20, end: 31 },
  ];

  it('finds lines and their byte positions, empty lines counted', () => {
    expect(view(split([Buffer.from(text)]))).toEqual(expected);
  });

  it.each(Array.from({ length: text.length - 1 }, (_, i) => i + 1))(
    'gives the same lines when a chunk boundary falls at byte %i',
    (cut) => {
      expect(view(split(chunksAt(Buffer.from(text), [cut])))).toEqual(expected);
    },
  );

  it('gives the same lines when every chunk is one byte', () => {
    const bytes = Buffer.from(text);
    expect(
      view(
        split(
          chunksAt(
            bytes,
            Array.from({ length: bytes.length }, (_, i) => i),
          ),
        ),
      ),
    ).toEqual(expected);
  });

  it('takes CRLF as one line break, also when CR and LF are in different chunks', () => {
    const bytes = Buffer.from('{"a":1}\r\n{"b":2}\r\n');
    for (const cut of [0, 7, 8, 9]) {
      expect(view(split(chunksAt(bytes, [cut])))).toEqual([
        { text: '{"a":1}', number: 1, start: 0, end: 9 },
        { text: '{"b":2}', number: 2, start: 9, end: 18 },
      ]);
    }
  });

  it('keeps a lone CR inside a line as data', () => {
    expect(view(split([Buffer.from('{"a":"x\ry"}\n')]))[0]?.text).toBe('{"a":"x\ry"}');
  });

  it('returns a last line without a line break at the end, ending at the object size', () => {
    const bytes = Buffer.from('{"a":1}\n{"b":2}');
    expect(view(split(chunksAt(bytes, [10])))).toEqual([
      { text: '{"a":1}', number: 1, start: 0, end: 8 },
      { text: '{"b":2}', number: 2, start: 8, end: 15 },
    ]);
  });

  it('drops the CR of a CRLF cut off at the end of the object', () => {
    expect(view(split([Buffer.from('{"a":1}\r')]))).toEqual([
      { text: '{"a":1}', number: 1, start: 0, end: 8 },
    ]);
  });

  it('returns nothing more at the end when the object ends with a line break', () => {
    const splitter = new LineSplitter({ offset: 0, line: 0 }, 100);
    expect(splitter.push(Buffer.from('{}\n'))).toHaveLength(1);
    expect(splitter.end()).toBeUndefined();
  });

  it('keeps UTF-8 characters whole when a chunk boundary cuts through one', () => {
    const line = '{"city":"Zürich","crab":"🦀","kanji":"東京"}';
    const bytes = Buffer.from(`${line}\n`);
    for (let cut = 1; cut < bytes.length; cut++) {
      const [only] = split(chunksAt(bytes, [cut]));
      expect(only?.bytes.equals(Buffer.from(line))).toBe(true);
      expect(parseLine(only as NdjsonLine, 1000)).toMatchObject({ kind: 'json', text: line });
    }
  });

  it('continues numbering and offsets from a saved position', () => {
    const lines = split([Buffer.from('{"n":501}\n{"n":502}\n')], { offset: 12_345, line: 500 });
    expect(view(lines)).toEqual([
      { text: '{"n":501}', number: 501, start: 12_345, end: 12_355 },
      { text: '{"n":502}', number: 502, start: 12_355, end: 12_365 },
    ]);
  });

  it('reports a line longer than the limit once, without buffering the rest of it', () => {
    const splitter = new LineSplitter({ offset: 0, line: 0 }, 16);
    const first = splitter.push(Buffer.from('{"ok":1}\n{"long":"aaaa'));
    const second = splitter.push(Buffer.from('aaaaaaaaaaaaaaaaaaaaaa'));
    expect(view(first)).toEqual([{ text: '{"ok":1}', number: 1, start: 0, end: 9 }]);
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ number: 2, start: 9, tooLong: true });
    expect(second[0]?.bytes.length).toBe(16);
    expect(splitter.stopped).toBe(true);
    expect(splitter.push(Buffer.from('\n{"later":1}\n'))).toEqual([]);
    expect(splitter.end()).toBeUndefined();
  });

  it('reports a too-long line that arrives whole in one chunk', () => {
    const lines = split(
      [Buffer.from(`{"ok":1}\n{"long":"${'a'.repeat(40)}"}\n{"after":1}\n`)],
      undefined,
      16,
    );
    expect(lines.map((l) => [l.number, l.tooLong ?? false])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('finds the same lines and positions however the object is cut into chunks (property)', () => {
    const lineArb = fc.oneof(
      fc.constant(''),
      fc.constant('   '),
      fc.json().map((j) => j.replace(/\n/g, ' ')),
      fc.string({ unit: 'grapheme' }).map((s) => JSON.stringify({ s })),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(lineArb, fc.constantFrom('\n', '\r\n')), { maxLength: 30 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 20 }),
        (lines, finalBreak, rawCuts) => {
          const parts = lines.map(
            ([text, br], i) => text + (i === lines.length - 1 && !finalBreak ? '' : br),
          );
          const bytes = Buffer.from(parts.join(''));
          const whole = view(split([bytes]));
          const cut = view(
            split(
              chunksAt(
                bytes,
                rawCuts.map((c) => (bytes.length ? c % bytes.length : 0)),
              ),
            ),
          );
          expect(cut).toEqual(whole);
          // Positions chain, and each line's bytes are the object's bytes there.
          let offset = 0;
          for (const line of whole) {
            expect(line.start).toBe(offset);
            offset = line.end;
          }
          expect(offset).toBe(bytes.length);
          expect(whole.map((l) => l.text)).toEqual(lines.slice(0, whole.length).map(([text]) => text));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('parseLine', () => {
  const line = (text: string | Buffer, start = 100, number = 7): NdjsonLine => {
    const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
    return { bytes, number, start, end: start + bytes.length + 1 };
  };

  it('keeps the line bytes as they are for the value', () => {
    const bytes = Buffer.from('{ "b": 2,  "a" : [1, 2.50] }');
    const parsed = parseLine(line(bytes), 1000);
    expect(parsed).toMatchObject({ kind: 'json', text: '{ "b": 2,  "a" : [1, 2.50] }' });
    expect(parsed.kind === 'json' && parsed.value.equals(bytes)).toBe(true);
  });

  it.each(['', '   ', '\t', ' \r '])('skips the blank line %j', (text) => {
    expect(parseLine(line(text), 1000)).toEqual({ kind: 'blank' });
  });

  it('strips a UTF-8 BOM at the start of the object only', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]);
    const first = parseLine(line(withBom, 0, 1), 1000);
    expect(first.kind === 'json' && first.value.toString()).toBe('{"a":1}');
    expect(parseLine(line(withBom, 50, 3), 1000)).toEqual({
      kind: 'malformed',
      reason: 'line 3 is not JSON',
    });
  });

  it.each([
    ['{"a":1', 'line 7 is not JSON'],
    ['{"secret":"hunter2" oops}', 'line 7 is not JSON (at character 21)'],
    ['not json at all', 'line 7 is not JSON'],
    [Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), 'line 7 is not valid UTF-8'],
  ])('calls %j malformed, without quoting it', (text, reason) => {
    const parsed = parseLine(line(text), 1000);
    expect(parsed.kind).toBe('malformed');
    expect(parsed.kind === 'malformed' && parsed.reason.startsWith(reason)).toBe(true);
    expect(JSON.stringify(parsed)).not.toContain('hunter2');
  });

  it('calls a too-long line malformed with the limit', () => {
    expect(parseLine({ ...line('{"a":'), tooLong: true }, 5)).toEqual({
      kind: 'malformed',
      reason: 'line 7 is longer than 5 bytes',
    });
  });
});
