import { resolvePointer } from '../../mapping/json-pointer.ts';
import { resolvePointerInSource } from '../../mapping/json-source-pointer.ts';

/**
 * The key at an RFC 6901 pointer into a parsed JSON document (`SCHEDULE_KEY` into a schedule
 * input's object value, which Lambda's runtime has already parsed): strings as they are, other
 * values as JSON, `null` when nothing (or JSON null) is there, so such a message is published
 * without a key, as the EventBridge target does. Numbers beyond 2^53 were rounded by the parse.
 */
export function keyAt(document: unknown, tokens: readonly string[]): string | null {
  const value = resolvePointer(document, tokens);
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The same key read from JSON source text (an NDJSON line, a string value): numbers keep their
 * source text, so 64-bit ids stay distinct; objects and arrays are their source without the
 * whitespace between tokens. `text` must already have parsed as JSON.
 */
export function keyAtSource(text: string, tokens: readonly string[]): string | null {
  const found = resolvePointerInSource(text, tokens);
  if (found === undefined || found.type === 'null') return null;
  if (found.type === 'string') return found.value;
  if (found.type === 'boolean') return String(found.value);
  return found.text;
}
