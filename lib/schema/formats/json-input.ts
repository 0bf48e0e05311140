import { SchemaValidationError } from '../value-serializer.ts';

/** RFC 6901 pointer of a path (`['lines', 0, 'sku']` -> `/lines/0/sku`). */
export function jsonPointer(path: readonly (string | number)[]): string {
  return path.map((token) => `/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** What `parseJsonInput` does with integers a double cannot hold exactly. */
export type BigIntegers = 'number' | 'string';

/**
 * Parses a message's value as JSON; text that is not JSON is the sender's mistake. With
 * `bigIntegers: 'string'`, an integer literal outside Number's safe range is kept as its source text
 * (JSON.parse would round `9007199254740993` to `...992`), so a 64-bit field can take it exactly.
 */
export function parseJsonInput(json: string, bigIntegers: BigIntegers = 'number'): unknown {
  try {
    return bigIntegers === 'string' ? JSON.parse(json, keepBigIntegerSource) : JSON.parse(json);
  } catch (error) {
    throw new SchemaValidationError(`the value is not JSON: ${(error as Error).message}`, '', {
      cause: error,
    });
  }
}

const INTEGER_LITERAL = /^-?(0|[1-9][0-9]*)$/;

/** JSON.parse reviver (Node 22: the third argument carries the literal's source text). */
function keepBigIntegerSource(this: unknown, _key: string, value: unknown, context?: { source?: string }) {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source) {
    if (INTEGER_LITERAL.test(context.source)) return context.source;
  }
  return value;
}
