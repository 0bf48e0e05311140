/**
 * RFC 6901 pointers resolved against a JSON document's source text rather than its parsed value,
 * so a key keeps what the sender wrote: `{"id":820982911946154508}` gives `820982911946154508`,
 * where JSON.parse would round it to the nearest double (820982911946154500) and two 64-bit ids
 * would share one key, and on a compacted topic one record would replace the other.
 *
 * A scanner, not a parser: it steps only through the containers on the pointer's path and skips
 * every other value by its brackets and quotes, building nothing (no dependency, nothing to load
 * at cold start). The text must be JSON that has already parsed: the webhook and NDJSON paths
 * validate with JSON.parse first, and on anything else the answer is unspecified.
 */

/** What a pointer finds, as the source wrote it. */
export type SourceValue =
  | { type: 'string'; value: string }
  /** The number's lexeme exactly as written (`1.50`, `-0`, `1E400`, 64-bit integers). */
  | { type: 'number'; text: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' }
  /** The container's source with the whitespace between tokens removed. */
  | { type: 'object' | 'array'; text: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** The value at `tokens` (a parsed RFC 6901 pointer) in JSON `text`; `undefined` when absent. */
export function resolvePointerInSource(text: string, tokens: readonly string[]): SourceValue | undefined {
  let start = skipWhitespace(text, 0);
  for (const token of tokens) {
    const open = text.charCodeAt(start);
    const found =
      open === 0x7b
        ? memberStart(text, start, token)
        : open === 0x5b
          ? elementStart(text, start, token)
          : undefined;
    if (found === undefined) return undefined;
    start = found;
  }
  return start < text.length ? valueAt(text, start) : undefined;
}

/** Where the value of member `name` of the object at `open` starts. */
function memberStart(text: string, open: number, name: string): number | undefined {
  let found: number | undefined;
  let i = skipWhitespace(text, open + 1);
  if (text.charCodeAt(i) !== QUOTE) return undefined;
  for (;;) {
    const nameEnd = stringEnd(text, i);
    const valueStart = skipWhitespace(text, skipWhitespace(text, nameEnd) + 1);
    // JSON.parse keeps the last of repeated names, so the last match wins here too.
    if (stringValue(text, i, nameEnd) === name) found = valueStart;
    i = skipWhitespace(text, valueEnd(text, valueStart));
    if (text[i] !== ',') return found;
    i = skipWhitespace(text, i + 1);
  }
}

/** Where element `token` (decimal, no leading zeros; `-` never exists) of the array at `open` starts. */
function elementStart(text: string, open: number, token: string): number | undefined {
  if (!ARRAY_INDEX.test(token)) return undefined;
  const index = Number(token);
  let i = skipWhitespace(text, open + 1);
  if (text[i] === ']') return undefined;
  for (let n = 0; n < index; n++) {
    i = skipWhitespace(text, valueEnd(text, i));
    if (text[i] !== ',') return undefined;
    i = skipWhitespace(text, i + 1);
  }
  return i;
}

function valueAt(text: string, start: number): SourceValue {
  const end = valueEnd(text, start);
  const first = text[start];
  if (first === '"') return { type: 'string', value: stringValue(text, start, end) };
  if (first === '{') return { type: 'object', text: compact(text, start, end) };
  if (first === '[') return { type: 'array', text: compact(text, start, end) };
  const lexeme = text.slice(start, end);
  if (lexeme === 'true' || lexeme === 'false') return { type: 'boolean', value: lexeme === 'true' };
  if (lexeme === 'null') return { type: 'null' };
  return { type: 'number', text: lexeme };
}

/** The index just past the value that starts at `start`. */
function valueEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === QUOTE) return stringEnd(text, start);
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) i = stringEnd(text, i) - 1;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i + 1;
    }
    return text.length;
  }
  // A number or a literal runs to the next delimiter.
  let i = start;
  while (i < text.length && !isDelimiter(text.charCodeAt(i))) i++;
  return i;
}

/** The index just past the closing quote of the string that opens at `open`. */
function stringEnd(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

function stringValue(text: string, start: number, end: number): string {
  const inner = text.slice(start + 1, end - 1);
  return inner.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : inner;
}

/** A container's source without the whitespace between its tokens (strings kept as written). */
function compact(text: string, start: number, end: number): string {
  let out = '';
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const close = stringEnd(text, i);
      out += text.slice(i, close);
      i = close;
    } else {
      if (!isWhitespace(c)) out += text[i];
      i++;
    }
  }
  return out;
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (isWhitespace(text.charCodeAt(i))) i++;
  return i;
}

/** JSON's four whitespace characters (RFC 8259 §2). */
function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDelimiter(c: number): boolean {
  return c === 0x2c || c === 0x7d || c === 0x5d || isWhitespace(c);
}
