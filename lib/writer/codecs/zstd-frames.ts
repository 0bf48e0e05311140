const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MASK = 0xfffffff0;

/** Where one zstd frame lies in a buffer, and the size it declares, if any. */
export interface ZstdFrameSpan {
  start: number;
  end: number;
  /** Decompressed size from the frame header; undefined when the writer did not know it. */
  contentSize: number | undefined;
}

/**
 * Walks frame and block headers to find where each frame ends (RFC 8878 §3.1), without
 * decompressing. Throws on anything truncated or malformed: node:zlib's zstd quietly returns
 * what it decoded so far from a truncated frame, and only the first of several frames.
 */
export function splitZstdFrames(data: Buffer): ZstdFrameSpan[] {
  if (data.length === 0) throw new Error('empty input is not a zstd frame');
  const frames: ZstdFrameSpan[] = [];
  let p = 0;
  while (p < data.length) {
    need(data, p, 4, 'frame magic');
    const magic = data.readUInt32LE(p);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(data, p + 4, 4, 'skippable frame size');
      p += 8 + data.readUInt32LE(p + 4);
      if (p > data.length) throw new Error('skippable frame runs past the end of the input');
      continue;
    }
    if (magic !== FRAME_MAGIC)
      throw new Error(`not a zstd frame: magic 0x${magic.toString(16)} at byte ${p}`);
    const start = p;
    need(data, p + 4, 1, 'frame header');
    const descriptor = data[p + 4] as number;
    const sizeFlag = descriptor >>> 6;
    const singleSegment = (descriptor & 0x20) !== 0;
    const hasChecksum = (descriptor & 0x04) !== 0;
    const dictionaryIdBytes = [0, 1, 2, 4][descriptor & 3] as number;
    const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][sizeFlag] as number;
    p += 5 + (singleSegment ? 0 : 1) + dictionaryIdBytes;
    need(data, p, contentSizeBytes, 'frame content size');
    const contentSize = readContentSize(data, p, contentSizeBytes);
    p += contentSizeBytes;
    let last = false;
    while (!last) {
      need(data, p, 3, 'block header');
      const header = data.readUIntLE(p, 3);
      last = (header & 1) === 1;
      const type = (header >>> 1) & 3;
      if (type === 3) throw new Error(`reserved block type at byte ${p}`);
      p += 3 + (type === 1 ? 1 : header >>> 3);
      if (p > data.length) throw new Error('block runs past the end of the input');
    }
    if (hasChecksum) p += 4;
    need(data, p, 0, 'frame checksum');
    frames.push({ start, end: p, contentSize });
  }
  if (frames.length === 0) throw new Error('input holds no zstd frame');
  return frames;
}

function readContentSize(data: Buffer, p: number, bytes: number): number | undefined {
  switch (bytes) {
    case 0:
      return undefined;
    case 1:
      return data[p];
    case 2:
      return data.readUInt16LE(p) + 256;
    case 4:
      return data.readUInt32LE(p);
    default:
      return Number(data.readBigUInt64LE(p));
  }
}

function need(data: Buffer, p: number, bytes: number, what: string): void {
  if (p + bytes > data.length) throw new Error(`input truncated in the ${what} at byte ${p}`);
}
