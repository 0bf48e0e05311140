import { WriterError } from '../errors.ts';

/** Which way a codec was working when it failed. */
export type CodecOperation = 'compress' | 'decompress';

/**
 * A compression codec failed: corrupt or truncated input, an unsupported frame feature, or a
 * codec that could not be loaded. Never retriable: the same bytes fail the same way again.
 */
export class CompressionCodecError extends WriterError {
  constructor(
    /** The codec's name, e.g. `lz4`. */
    readonly codec: string,
    /** `compress` or `decompress`. */
    readonly operation: CodecOperation,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${codec} ${operation} failed: ${reason}`, { retriable: false, cause: options.cause });
  }
}
