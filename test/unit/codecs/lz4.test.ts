import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compressLz4Frame, decompressLz4Frames, lz4Codec } from '../../../lib/writer/codecs/lz4.ts';
import { compressBlock, compressBound, createHashTable } from '../../../lib/writer/codecs/lz4-block.ts';
import { xxh32 } from '../../../lib/writer/codecs/xxh32.ts';
import { FIXTURE_INPUT, fixture, jsonLines, pseudoRandomBytes } from './fixtures.ts';

/** The frame header Kafka's Java producer writes: magic, FLG (v01, independent blocks), BD 64 KiB, HC. */
const JAVA_FRAME_HEADER = fixture('lz4').subarray(0, 7);

describe('lz4 codec', () => {
  it.each([
    ['the Java producer (Kafka Lz4BlockOutputStream: independent 64 KiB blocks)', 'lz4'],
    ['the lz4 CLI default (content checksum)', 'lz4-cli-default'],
    ['the lz4 CLI with linked blocks, block and content checksums and the content size', 'lz4-cli-linked'],
  ])('decodes a frame written by %s', async (_label, suffix) => {
    expect((await lz4Codec.decompress(fixture(suffix))).equals(FIXTURE_INPUT)).toBe(true);
  });

  it('writes the same frame header as the Java producer', async () => {
    const ours = await lz4Codec.compress(FIXTURE_INPUT);

    expect(ours.subarray(0, 7)).toEqual(JAVA_FRAME_HEADER);
    // Same format, same algorithm family: sizes within a few percent of lz4-java's.
    expect(ours.length / fixture('lz4').length).toBeGreaterThan(0.9);
    expect(ours.length / fixture('lz4').length).toBeLessThan(1.1);
  });

  it('stores an incompressible block uncompressed instead of growing it', async () => {
    const noise = pseudoRandomBytes(1000);

    const frame = await lz4Codec.compress(noise);

    expect(frame.readUInt32LE(7)).toBe((0x80000000 | 1000) >>> 0);
    expect(frame.length).toBe(7 + 4 + 1000 + 4);
  });

  it('decodes concatenated frames with a skippable frame between them', async () => {
    const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const data = Buffer.concat([
      compressLz4Frame(Buffer.from('first ')),
      skippable,
      compressLz4Frame(Buffer.from('second')),
    ]);

    expect((await lz4Codec.decompress(data)).toString()).toBe('first second');
  });

  it('accepts the descriptor checksum of Kafka message formats v0/v1, which hashed the magic too', async () => {
    const frame = Buffer.from(compressLz4Frame(Buffer.from('legacy checksum')));
    frame[6] = (xxh32(frame, 0, 6) >>> 8) & 0xff;

    expect((await lz4Codec.decompress(frame)).toString()).toBe('legacy checksum');
  });

  it.each([
    ['a wrong descriptor checksum', (f: Buffer) => xorByte(f, 6, 0xff), /descriptor checksum mismatch/],
    ['a frame cut short', (f: Buffer) => f.subarray(0, f.length - 10), /truncated/],
    ['a missing end mark', (f: Buffer) => f.subarray(0, f.length - 4), /truncated in the block size/],
    ['another magic', (f: Buffer) => xorByte(f, 0, 0x10), /not an LZ4 frame/],
    ['a dictionary id', (f: Buffer) => xorByte(f, 4, 0x01), /dictionary/],
  ])('rejects %s', async (_label, damage, message) => {
    const frame = Buffer.from(compressLz4Frame(jsonLines(100_000)));

    await expect(lz4Codec.decompress(damage(frame))).rejects.toThrow(message);
  });

  it('verifies content and block checksums when the frame has them', async () => {
    const content = xorByte(Buffer.from(fixture('lz4-cli-linked')), -1, 0x01);
    const block = xorByte(Buffer.from(fixture('lz4-cli-linked')), 30, 0x01);

    await expect(lz4Codec.decompress(content)).rejects.toThrow(/content checksum mismatch/);
    await expect(lz4Codec.decompress(block)).rejects.toThrow(/block checksum mismatch/);
  });

  it('rejects a match that reaches before the start of an independent block', () => {
    // Token: 4 literals + a 4-byte match at offset 5 (one byte before the block).
    const frame = frameOf(Buffer.from([0x40, 0x61, 0x62, 0x63, 0x64, 0x05, 0x00, 0x00]));

    expect(() => decompressLz4Frames(frame)).toThrow(/points before the data/);
  });

  it('ends every block the way the format demands (lz4 and lz4-java reject anything else)', () => {
    // The last match starts >= 12 bytes before the block end and the last 5 bytes are literals;
    // inputs ending in short repeats are where a careless encoder (lz4js) breaks this.
    const tails = fc
      .uint8Array({ minLength: 0, maxLength: 40 })
      .map((t) => Buffer.concat([Buffer.from(t), Buffer.from(t)]));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), tails, (prefixLength, tail) => {
        const input = Buffer.concat([jsonLines(prefixLength), tail]);
        const out = new Uint8Array(compressBound(input.length));
        const size = compressBlock(input, 0, input.length, out, 0, createHashTable());
        const { lastMatchStart, lastLiterals, decoded } = walkBlock(out.subarray(0, size));
        expect(Buffer.from(decoded).equals(input)).toBe(true);
        if (lastMatchStart !== undefined) {
          expect(input.length - lastMatchStart).toBeGreaterThanOrEqual(12);
          expect(lastLiterals).toBeGreaterThanOrEqual(5);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 8 }), (bytes, repeat) => {
        const input = Buffer.concat(Array.from({ length: repeat }, () => Buffer.from(bytes)));
        expect(decompressLz4Frames(compressLz4Frame(input)).equals(input)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('xxh32', () => {
  it.each([
    ['', 0x02cc5d05],
    ['a', 0x550d7456],
    ['abc', 0x32d153ff],
    ['Nobody inspects the spammish repetition', 0xe2293b2f],
  ])('hashes %j like the reference', (text, expected) => {
    expect(xxh32(Buffer.from(text))).toBe(expected);
  });
});

/** Flips bits of one byte (negative `at` counts from the end); returns the same buffer. */
function xorByte(data: Buffer, at: number, mask: number): Buffer {
  const i = at < 0 ? data.length + at : at;
  data[i] = (data[i] as number) ^ mask;
  return data;
}

/** Wraps one compressed block in a Java-style frame. */
function frameOf(block: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(block.length);
  return Buffer.concat([JAVA_FRAME_HEADER, size, block, Buffer.alloc(4)]);
}

/** Decodes a block sequence by sequence, noting where its last match started. */
function walkBlock(block: Uint8Array): {
  lastMatchStart: number | undefined;
  lastLiterals: number;
  decoded: number[];
} {
  const decoded: number[] = [];
  let s = 0;
  let lastMatchStart: number | undefined;
  let lastLiterals = 0;
  while (s < block.length) {
    const token = block[s++] as number;
    let literals = token >>> 4;
    if (literals === 15) for (let b = 255; b === 255; literals += b) b = block[s++] as number;
    for (let i = 0; i < literals; i++) decoded.push(block[s++] as number);
    lastLiterals = literals;
    if (s >= block.length) break;
    const offset = (block[s] as number) | ((block[s + 1] as number) << 8);
    s += 2;
    let length = token & 15;
    if (length === 15) for (let b = 255; b === 255; length += b) b = block[s++] as number;
    lastMatchStart = decoded.length;
    for (let i = 0; i < length + 4; i++) decoded.push(decoded[decoded.length - offset] as number);
  }
  return { lastMatchStart, lastLiterals, decoded };
}
