/** RFC 6901 JSON pointers, used by every trigger's key settings. */

/** RFC 6901: the unescaped reference tokens of a JSON pointer, or `undefined` if it is not one. */
export function parseJsonPointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens: string[] = [];
  for (const raw of pointer.slice(1).split('/')) {
    // `~` may only introduce ~0 (~) or ~1 (/).
    if (/~(?![01])/.test(raw)) return undefined;
    tokens.push(raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return tokens;
}

/** Resolves RFC 6901 reference tokens; `undefined` when the path does not exist. */
export function resolvePointer(document: unknown, tokens: readonly string[]): unknown {
  let current: unknown = document;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      // Array indexes are decimal without leading zeros; `-` (past the end) never exists.
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else if (current !== null && typeof current === 'object' && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}
