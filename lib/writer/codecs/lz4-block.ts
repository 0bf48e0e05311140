/*
 * The LZ4 block format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md).
 *
 * Written here rather than taken from lz4js because lz4js's encoder may start a match 9 bytes
 * before the end of a block, where the format demands 12 (MFLIMIT). Reference decoders reject
 * that when the block exactly fills their output buffer, which is every full 64 KiB block Kafka's
 * Java decoder (and so the broker) reads. The decoder here checks every bound, so corrupt input
 * throws instead of yielding garbage.
 */

const MIN_MATCH = 4;
/** A match must start at least this many bytes before the end of the block. */
const MFLIMIT = 12;
/** The last bytes of a block are always literals. */
const LAST_LITERALS = 5;
const MAX_OFFSET = 65_535;
const HASH_LOG = 14;
/** After this many misses in a row the search stride grows (LZ4's "acceleration"). */
const SKIP_TRIGGER = 6;

/** Largest output compressBlock may write for `length` input bytes. */
export function compressBound(length: number): number {
  return length + Math.floor(length / 255) + 16;
}

/** A hash table for compressBlock; reuse it across calls to avoid allocation. */
export function createHashTable(): Int32Array {
  return new Int32Array(1 << HASH_LOG);
}

/**
 * Compresses `src[start, end)` as one independent block into `dst` at `dstStart` (room for
 * compressBound bytes needed). Returns the number of bytes written.
 */
export function compressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dstStart: number,
  table: Int32Array,
): number {
  // Positions are stored +1 so 0 means empty; clearing makes the block independent.
  table.fill(0);
  let d = dstStart;
  let anchor = start;
  if (end - start >= MFLIMIT + 1) {
    const matchLimit = end - LAST_LITERALS;
    const searchLimit = end - MFLIMIT;
    let ip = start + 1;
    let misses = 1 << SKIP_TRIGGER;
    table[hash(src, start)] = start + 1;
    while (ip <= searchLimit) {
      const h = hash(src, ip);
      let ref = (table[h] as number) - 1;
      table[h] = ip + 1;
      if (ref < start || ip - ref > MAX_OFFSET || !equal4(src, ref, ip)) {
        ip += misses++ >> SKIP_TRIGGER;
        continue;
      }
      misses = 1 << SKIP_TRIGGER;
      // Extend backwards over bytes the literals would otherwise carry.
      while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      let matchEnd = ip + MIN_MATCH;
      let r = ref + MIN_MATCH;
      while (matchEnd < matchLimit && src[matchEnd] === src[r]) {
        matchEnd++;
        r++;
      }
      d = writeSequence(src, anchor, ip - anchor, dst, d, ip - ref, matchEnd - ip - MIN_MATCH);
      // Index a position inside the match so runs keep matching.
      table[hash(src, matchEnd - 2)] = matchEnd - 1;
      ip = matchEnd;
      anchor = ip;
    }
  }
  return writeLastLiterals(src, anchor, end - anchor, dst, d) - dstStart;
}

/**
 * Decompresses one block `src[start, end)` into `dst` from `dstStart`, writing no further than
 * `dstLimit` and copying matches from no earlier than `historyStart` (the block's own start for
 * independent blocks, the frame's start for linked ones). Returns the new output position.
 */
export function decompressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dstStart: number,
  dstLimit: number,
  historyStart: number,
): number {
  let s = start;
  let d = dstStart;
  while (true) {
    if (s >= end) throw new Error(`block truncated at byte ${s}`);
    const token = src[s++] as number;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (s >= end) throw new Error('block truncated in a literal length');
        b = src[s++] as number;
        literals += b;
      } while (b === 255);
    }
    if (literals > end - s) throw new Error(`literals run past the end of the block at byte ${s}`);
    if (literals > dstLimit - d) throw new Error('block decodes to more than its maximum size');
    if (literals < 32) {
      for (let i = 0; i < literals; i++) dst[d + i] = src[s + i] as number;
    } else {
      dst.set(src.subarray(s, s + literals), d);
    }
    s += literals;
    d += literals;
    if (s === end) return d;
    if (end - s < 2) throw new Error('block truncated in a match offset');
    const offset = (src[s] as number) | ((src[s + 1] as number) << 8);
    s += 2;
    if (offset === 0 || offset > d - historyStart)
      throw new Error(`match offset ${offset} points before the data`);
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        if (s >= end) throw new Error('block truncated in a match length');
        b = src[s++] as number;
        length += b;
      } while (b === 255);
    }
    length += MIN_MATCH;
    if (length > dstLimit - d) throw new Error('block decodes to more than its maximum size');
    let from = d - offset;
    if (offset >= length && length >= 32) {
      dst.copyWithin(d, from, from + length);
      d += length;
    } else {
      // Short copies are faster as a loop; an overlapping one (offset < length) repeats the
      // last `offset` bytes, so it must go byte by byte anyway.
      const stop = d + length;
      while (d < stop) dst[d++] = dst[from++] as number;
    }
  }
}

function writeSequence(
  src: Uint8Array,
  literalStart: number,
  literals: number,
  dst: Uint8Array,
  d: number,
  offset: number,
  matchLength: number,
): number {
  const tokenAt = d++;
  let token = 0;
  if (literals >= 15) {
    token = 15 << 4;
    d = writeLength(dst, d, literals - 15);
  } else {
    token = literals << 4;
  }
  d = copyLiterals(src, literalStart, literals, dst, d);
  dst[d++] = offset & 0xff;
  dst[d++] = offset >>> 8;
  if (matchLength >= 15) {
    token |= 15;
    d = writeLength(dst, d, matchLength - 15);
  } else {
    token |= matchLength;
  }
  dst[tokenAt] = token;
  return d;
}

function writeLastLiterals(
  src: Uint8Array,
  literalStart: number,
  literals: number,
  dst: Uint8Array,
  d: number,
): number {
  if (literals >= 15) {
    dst[d++] = 15 << 4;
    d = writeLength(dst, d, literals - 15);
  } else {
    dst[d++] = literals << 4;
  }
  return copyLiterals(src, literalStart, literals, dst, d);
}

function copyLiterals(src: Uint8Array, start: number, length: number, dst: Uint8Array, d: number): number {
  // A loop beats set() + subarray() (an allocation) for the short runs that dominate.
  if (length < 32) {
    for (let i = 0; i < length; i++) dst[d + i] = src[start + i] as number;
  } else {
    dst.set(src.subarray(start, start + length), d);
  }
  return d + length;
}

function writeLength(dst: Uint8Array, d: number, rest: number): number {
  let n = rest;
  while (n >= 255) {
    dst[d++] = 255;
    n -= 255;
  }
  dst[d++] = n;
  return d;
}

function hash(src: Uint8Array, p: number): number {
  return Math.imul(read32(src, p), 2654435761) >>> (32 - HASH_LOG);
}

function read32(src: Uint8Array, p: number): number {
  return (
    (src[p] as number) |
    ((src[p + 1] as number) << 8) |
    ((src[p + 2] as number) << 16) |
    ((src[p + 3] as number) << 24)
  );
}

function equal4(src: Uint8Array, a: number, b: number): boolean {
  return (
    src[a] === src[b] && src[a + 1] === src[b + 1] && src[a + 2] === src[b + 2] && src[a + 3] === src[b + 3]
  );
}
