import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../../../lib/balancers/index.ts';

describe('fnv1a32', () => {
  // Go's hash/fnv golden32a vectors and the FNV reference suite.
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['ab', 0x4d2505ca],
    ['abc', 0x1a47e90b],
    ['foobar', 0xbf9cf968],
  ])('hashes %j to the FNV-1a 32-bit reference value', (input, expected) => {
    expect(fnv1a32(Buffer.from(input))).toBe(expected);
  });

  it('returns an unsigned 32-bit integer, as Go’s Sum32 does', () => {
    expect(fnv1a32(Buffer.from('foobar'))).toBeGreaterThan(0x7fffffff);
  });
});
