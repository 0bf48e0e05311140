import { type Codec, defineCodec } from './codec.ts';
import { compressBlock, compressBound, createHashTable, decompressBlock } from './lz4-block.ts';
import { readU32, xxh32 } from './xxh32.ts';

const MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MASK = 0xfffffff0;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;
const BD_RESERVED = 0x8f;
const UNCOMPRESSED_BLOCK = 0x80000000;
/** Block size Kafka's Java producer uses (BD 4 = 64 KiB); Java allocates its buffer to match. */
const BLOCK_BYTES = 64 * 1024;
const BD_64KB = 4 << 4;
/** Bytes of output one compressed byte can produce at most (a 255 length-extension byte). */
const MAX_EXPANSION = 255;

const table = createHashTable();

/**
 * LZ4 in the LZ4 frame format, as Kafka's message format v2 carries it (KIP-57 fixed the frame
 * checksum the v0/v1 format got wrong). Compress writes exactly what the Java producer writes:
 * version 01, independent 64 KiB blocks, no checksums, no content size. Independence is not
 * optional: Kafka's Java decoder, and so the broker, rejects linked-block frames ("Dependent
 * block stream is unsupported"), which is what lz4js writes. Decompress accepts any valid frame:
 * linked or independent blocks, block/content checksums (verified), content size, concatenated
 * and skippable frames, and the v0/v1-era descriptor checksum.
 */
export const lz4Codec: Codec = defineCodec('lz4', {
  compress: (data) => compressLz4Frame(data),
  decompress: (data) => decompressLz4Frames(data),
});

/** Compresses `data` into one LZ4 frame the way Kafka's Java producer does. */
export function compressLz4Frame(data: Uint8Array): Buffer {
  const blocks = Math.ceil(data.length / BLOCK_BYTES);
  const out = Buffer.allocUnsafe(7 + blocks * (4 + compressBound(BLOCK_BYTES)) + 4);
  out.writeUInt32LE(MAGIC, 0);
  out[4] = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENCE;
  out[5] = BD_64KB;
  out[6] = (xxh32(out, 4, 6) >>> 8) & 0xff;
  let d = 7;
  for (let start = 0; start < data.length; start += BLOCK_BYTES) {
    const end = Math.min(start + BLOCK_BYTES, data.length);
    const size = compressBlock(data, start, end, out, d + 4, table);
    if (size < end - start) {
      out.writeUInt32LE(size, d);
      d += 4 + size;
    } else {
      // Incompressible: store it, as the format allows, rather than grow it.
      out.writeUInt32LE((UNCOMPRESSED_BLOCK | (end - start)) >>> 0, d);
      out.set(data.subarray(start, end), d + 4);
      d += 4 + end - start;
    }
  }
  out.writeUInt32LE(0, d);
  return out.subarray(0, d + 4);
}

interface Block {
  start: number;
  end: number;
  compressed: boolean;
  checksumAt: number | undefined;
}

interface Frame {
  independent: boolean;
  maxBlockBytes: number;
  contentSize: number | undefined;
  contentChecksumAt: number | undefined;
  blocks: Block[];
}

/** Decompresses one or more concatenated LZ4 frames. */
export function decompressLz4Frames(data: Uint8Array): Buffer {
  if (data.length === 0) throw new Error('empty input is not an LZ4 frame');
  const frames = parseFrames(data);
  let capacity = 0;
  for (const frame of frames) capacity += frame.contentSize ?? boundOf(frame);
  const out = Buffer.allocUnsafe(capacity);
  let d = 0;
  for (const frame of frames) {
    const frameStart = d;
    for (const block of frame.blocks) {
      if (
        block.checksumAt !== undefined &&
        xxh32(data, block.start, block.end) !== readU32(data, block.checksumAt)
      ) {
        throw new Error(`block checksum mismatch at byte ${block.start}`);
      }
      const limit = Math.min(d + frame.maxBlockBytes, out.length);
      if (block.compressed) {
        d = decompressBlock(data, block.start, block.end, out, d, limit, frame.independent ? d : frameStart);
      } else {
        if (block.end - block.start > limit - d)
          throw new Error('frame decodes to more than its declared size');
        out.set(data.subarray(block.start, block.end), d);
        d += block.end - block.start;
      }
    }
    if (frame.contentSize !== undefined && d - frameStart !== frame.contentSize) {
      throw new Error(`frame declares ${frame.contentSize} bytes but decodes to ${d - frameStart}`);
    }
    if (
      frame.contentChecksumAt !== undefined &&
      xxh32(out, frameStart, d) !== readU32(data, frame.contentChecksumAt)
    ) {
      throw new Error('content checksum mismatch');
    }
  }
  // Record values kafkajs decodes are views into this buffer: don't pin a much larger one.
  return d < capacity * 0.75 ? Buffer.from(out.subarray(0, d)) : out.subarray(0, d);
}

function parseFrames(data: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  let p = 0;
  while (p < data.length) {
    need(data, p, 4, 'frame magic');
    const magic = readU32(data, p);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(data, p + 4, 4, 'skippable frame size');
      p += 8 + readU32(data, p + 4);
      if (p > data.length) throw new Error('skippable frame runs past the end of the input');
      continue;
    }
    if (magic !== MAGIC) throw new Error(`not an LZ4 frame: magic 0x${magic.toString(16)} at byte ${p}`);
    const frame = parseFrame(data, p);
    frames.push(frame.frame);
    p = frame.end;
  }
  if (frames.length === 0) throw new Error('input holds no LZ4 frame');
  return frames;
}

function parseFrame(data: Uint8Array, frameStart: number): { frame: Frame; end: number } {
  let p = frameStart + 4;
  need(data, p, 3, 'frame descriptor');
  const flg = data[p] as number;
  const bd = data[p + 1] as number;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw new Error(`unsupported frame version ${flg >>> 6}`);
  if (flg & FLG_RESERVED || bd & BD_RESERVED) throw new Error('reserved bits set in the frame descriptor');
  if (flg & FLG_DICT_ID) throw new Error('frames that need a dictionary are not supported');
  const blockSizeId = (bd >>> 4) & 7;
  if (blockSizeId < 4) throw new Error(`invalid block size id ${blockSizeId}`);
  let contentSize: number | undefined;
  p += 2;
  if (flg & FLG_CONTENT_SIZE) {
    need(data, p, 8, 'content size');
    const size = Buffer.from(data.buffer, data.byteOffset + p, 8).readBigUInt64LE();
    if (size > BigInt(data.length) * BigInt(MAX_EXPANSION))
      throw new Error(`implausible content size ${size}`);
    contentSize = Number(size);
    p += 8;
  }
  need(data, p, 1, 'descriptor checksum');
  const checksum = data[p] as number;
  // Kafka before message format v2 hashed the magic too (KAFKA-3160); its old batches still
  // carry that checksum, so both are accepted.
  if (
    checksum !== ((xxh32(data, frameStart + 4, p) >>> 8) & 0xff) &&
    checksum !== ((xxh32(data, frameStart, p) >>> 8) & 0xff)
  ) {
    throw new Error('frame descriptor checksum mismatch');
  }
  p += 1;
  const blocks: Block[] = [];
  const maxBlockBytes = 1 << (2 * blockSizeId + 8);
  const blockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  while (true) {
    need(data, p, 4, 'block size');
    const word = readU32(data, p);
    p += 4;
    if (word === 0) break;
    const size = (word & ~UNCOMPRESSED_BLOCK) >>> 0;
    if (size > maxBlockBytes) throw new Error(`block of ${size} bytes exceeds the frame's ${maxBlockBytes}`);
    need(data, p, size + (blockChecksum ? 4 : 0), 'block');
    blocks.push({
      start: p,
      end: p + size,
      compressed: (word & UNCOMPRESSED_BLOCK) === 0,
      checksumAt: blockChecksum ? p + size : undefined,
    });
    p += size + (blockChecksum ? 4 : 0);
  }
  let contentChecksumAt: number | undefined;
  if (flg & FLG_CONTENT_CHECKSUM) {
    need(data, p, 4, 'content checksum');
    contentChecksumAt = p;
    p += 4;
  }
  const frame: Frame = {
    independent: (flg & FLG_BLOCK_INDEPENDENCE) !== 0,
    maxBlockBytes,
    contentSize,
    contentChecksumAt,
    blocks,
  };
  return { frame, end: p };
}

function boundOf(frame: Frame): number {
  let bound = 0;
  for (const block of frame.blocks) {
    const size = block.end - block.start;
    bound += block.compressed ? Math.min(frame.maxBlockBytes, size * MAX_EXPANSION + 24) : size;
  }
  return bound;
}

function need(data: Uint8Array, p: number, bytes: number, what: string): void {
  if (p + bytes > data.length) throw new Error(`input truncated in the ${what} at byte ${p}`);
}
