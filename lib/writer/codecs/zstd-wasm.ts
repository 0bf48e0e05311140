import { compress, decompress, init } from '@bokuweb/zstd-wasm';
import { asBuffer, type CodecFunctions } from './codec.ts';
import { splitZstdFrames } from './zstd-frames.ts';

/** zstd's error code for "destination buffer is too small", as the WASM build reports it. */
const DST_SIZE_TOO_SMALL = -70;
/** Where guessing an unknown frame's size stops: far past any Kafka batch. */
const MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;

let ready: Promise<void> | undefined;

/**
 * zstd through @bokuweb/zstd-wasm, for Node.js without zstd in node:zlib. That build exposes
 * only one-shot ZSTD_decompress, which needs an output buffer big enough up front: frames that
 * declare their size get exactly that, frames that don't (Java's zstd-jni stream, the zstd CLI
 * reading a pipe) are retried with a doubling buffer. Concatenated frames are split here, since
 * the library sizes the output by the first frame alone.
 */
export async function createWasmZstd(level: number): Promise<CodecFunctions> {
  ready ??= init().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  await ready;
  return {
    compress: (data) => {
      try {
        return asBuffer(compress(data, level));
      } catch (error) {
        throw describe(error);
      }
    },
    decompress: (data) => decompressFrames(data),
  };
}

function decompressFrames(data: Buffer): Buffer {
  const frames = splitZstdFrames(data);
  if (frames.length === 1 && frames[0]?.start === 0 && frames[0].end === data.length) {
    return decompressFrame(data, frames[0].contentSize);
  }
  return Buffer.concat(frames.map((f) => decompressFrame(data.subarray(f.start, f.end), f.contentSize)));
}

function decompressFrame(frame: Buffer, contentSize: number | undefined): Buffer {
  let capacity = Math.max(1024 * 1024, frame.length * 8);
  while (true) {
    try {
      // The library ignores defaultHeapSize when the frame declares its size.
      return asBuffer(decompress(frame, { defaultHeapSize: capacity }));
    } catch (error) {
      const retry = contentSize === undefined && errorCode(error) === DST_SIZE_TOO_SMALL;
      if (!retry || capacity >= MAX_DECOMPRESSED_BYTES) throw describe(error);
      capacity = Math.min(capacity * 2, MAX_DECOMPRESSED_BYTES);
    }
  }
}

/** zstd error codes (zstd_errors.h) the library reports only as numbers. */
const ERROR_NAMES: Record<number, string> = {
  [-10]: 'unknown frame prefix',
  [-12]: 'unsupported frame version',
  [-14]: 'unsupported frame parameter',
  [-16]: 'frame window too large',
  [-20]: 'data corruption detected',
  [-22]: 'restored data does not match checksum',
  [-32]: 'dictionary is missing or wrong',
  [-64]: 'out of memory',
  [-70]: 'destination buffer too small',
  [-72]: 'source size wrong',
};

/** The library reports failures as "Failed to compress with code <n>" whichever way it ran. */
function errorCode(error: unknown): number | undefined {
  const match = /code (-?\d+)/.exec(error instanceof Error ? error.message : '');
  return match ? Number(match[1]) : undefined;
}

function describe(error: unknown): Error {
  const code = errorCode(error);
  const name = code === undefined ? undefined : ERROR_NAMES[code];
  return name === undefined ? (error as Error) : new Error(`${name} (zstd error ${code})`, { cause: error });
}
