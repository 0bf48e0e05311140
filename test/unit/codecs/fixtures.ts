import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, 'fixtures');

/** The input every fixture encodes (see fixtures/generate.sh). */
export const FIXTURE_INPUT = readFileSync(join(DIR, 'input.bin'));

/** One committed encoding of FIXTURE_INPUT, by the tool its suffix names. */
export function fixture(suffix: string): Buffer {
  return readFileSync(join(DIR, `input.bin.${suffix}`));
}

/** Deterministic bytes for tests: xorshift32, so failures reproduce. */
export function pseudoRandomBytes(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Compressible text of about `length` bytes: JSON lines with repeating field names. */
export function jsonLines(length: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < length; i++) {
    const line = `${JSON.stringify({ id: i, user: `user-${i % 101}`, amount: (i * 37) % 1000, tags: ['a', `t${i % 7}`] })}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, length);
}
