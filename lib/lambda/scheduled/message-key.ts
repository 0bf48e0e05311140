import { resolvePointer } from '../../mapping/json-pointer.ts';

/**
 * The key at an RFC 6901 pointer into a JSON document (`SCHEDULE_KEY`): strings as they are,
 * other values as JSON, `null` when nothing (or JSON null) is there, so such a message is
 * published without a key, as the EventBridge target does.
 */
export function keyAt(document: unknown, tokens: readonly string[]): string | null {
  const value = resolvePointer(document, tokens);
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
