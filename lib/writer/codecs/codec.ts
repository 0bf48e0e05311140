import { type CodecOperation, CompressionCodecError } from './errors.ts';

/** The codecs that actually compress (everything but `none`). */
export type CodecName = 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * A compression codec for Kafka record batches: the whole records section in, one buffer out.
 * Implementations are stateless between calls, so one instance serves every batch.
 */
export interface Codec {
  readonly name: CodecName;
  compress(data: Buffer): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

/** The raw operations a codec module provides; they may throw anything. */
export interface CodecFunctions {
  compress(data: Buffer): Buffer | Promise<Buffer>;
  decompress(data: Buffer): Buffer | Promise<Buffer>;
}

/**
 * Builds a Codec whose every failure is a CompressionCodecError naming the codec and operation,
 * so a corrupt batch reads as "lz4 decompress failed: ..." wherever it surfaces (kafkajs wraps
 * codec errors in its own without adding which codec it was).
 */
export function defineCodec(name: CodecName, functions: CodecFunctions): Codec {
  return {
    name,
    compress: (data) => run(name, 'compress', () => functions.compress(data)),
    decompress: (data) => run(name, 'decompress', () => functions.decompress(data)),
  };
}

async function run(
  name: CodecName,
  operation: CodecOperation,
  fn: () => Buffer | Promise<Buffer>,
): Promise<Buffer> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof CompressionCodecError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new CompressionCodecError(name, operation, reason, { cause: error });
  }
}

/** A Buffer over the same memory as a Uint8Array, without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
