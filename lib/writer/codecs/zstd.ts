import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { type Codec, defineCodec } from './codec.ts';
import { splitZstdFrames, type ZstdFrameSpan } from './zstd-frames.ts';

/** Which zstd engine a codec uses; `auto` prefers node:zlib and falls back to WASM. */
export type ZstdImplementation = 'auto' | 'node' | 'wasm';

/** Options for createZstdCodec. */
export interface ZstdCodecOptions {
  /** @default 'auto' */
  implementation?: ZstdImplementation;
  /** Compression level; 3 is the Java producer's and librdkafka's default. @default 3 */
  level?: number;
}

const MIN_CHUNK_BYTES = 16 * 1024;
const MAX_CHUNK_BYTES = 32 * 1024 * 1024;

/** Kafka clients' default zstd level. */
export const ZSTD_DEFAULT_LEVEL = 3;

/** Whether this Node.js has zstd in node:zlib (added in 22.15 and 23.8). */
export function nodeHasZstd(): boolean {
  return typeof zlib.zstdCompress === 'function' && typeof zlib.zstdDecompress === 'function';
}

/**
 * zstd in standard frames. With node:zlib (Node 22.15+, which the Lambda nodejs22.x runtime
 * has) it runs natively on the thread pool, and streaming decompression takes frames with or
 * without a content size (the Java client's zstd-jni stream writes none). On older Node the
 * @bokuweb/zstd-wasm build takes over, imported only then, so no Lambda loads the WASM unless
 * it needs it (and a bundle need not ship zstd.wasm beside it on Node 22.15+). Either way
 * concatenated and skippable frames are handled and truncated input is an error.
 */
export async function createZstdCodec(options: ZstdCodecOptions = {}): Promise<Codec> {
  const level = options.level ?? ZSTD_DEFAULT_LEVEL;
  const implementation = options.implementation ?? 'auto';
  if (implementation === 'node' || (implementation === 'auto' && nodeHasZstd())) {
    if (!nodeHasZstd()) throw new Error(`node:zlib has no zstd in Node.js ${process.version}; use 'wasm'`);
    return nodeZstdCodec(level);
  }
  const { createWasmZstd } = await import('./zstd-wasm.ts');
  return defineCodec('zstd', await createWasmZstd(level));
}

function nodeZstdCodec(level: number): Codec {
  const compress = promisify(zlib.zstdCompress);
  const decompress = promisify(zlib.zstdDecompress);
  const params = { [zlib.constants.ZSTD_c_compressionLevel]: level };
  const decompressFrame = async (data: Buffer, frame: ZstdFrameSpan): Promise<Buffer> => {
    const expected = frame.contentSize ?? (frame.end - frame.start) * 4;
    const out = await decompress(data.subarray(frame.start, frame.end), {
      chunkSize: chunkSizeFor(expected),
    });
    if (frame.contentSize !== undefined && out.length !== frame.contentSize) {
      throw new Error(
        `frame at byte ${frame.start} declares ${frame.contentSize} bytes but decodes to ${out.length}`,
      );
    }
    return out;
  };
  return defineCodec('zstd', {
    // Pledging the size puts it in the frame header, as librdkafka does, so readers can size
    // their output once (the async API streams and would otherwise leave it out).
    compress: (data) =>
      compress(data, { params, pledgedSrcSize: data.length, chunkSize: chunkSizeFor(data.length) }),
    // Node's zstd stops after the first frame and returns a truncated frame's partial output
    // without an error, so frames are delimited (and truncation caught) here first.
    decompress: async (data) => {
      const frames = splitZstdFrames(data);
      if (frames.length === 1) return decompressFrame(data, frames[0] as ZstdFrameSpan);
      const parts: Buffer[] = [];
      for (const frame of frames) parts.push(await decompressFrame(data, frame));
      return Buffer.concat(parts);
    },
  });
}

/**
 * node:zlib hands output over in chunks of chunkSize (16 KiB by default), each a trip through
 * the thread pool; sized to the expected output, a 1 MB batch (de)compresses 5-8x faster.
 */
function chunkSizeFor(expectedBytes: number): number {
  return Math.min(Math.max(expectedBytes + 1024, MIN_CHUNK_BYTES), MAX_CHUNK_BYTES);
}
