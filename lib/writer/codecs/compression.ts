import type kafkajs from 'kafkajs';
// kafkajs' codec registry module rather than its package index: the index loads the consumer,
// admin and producer APIs, ~70 KB a Lambda would parse at every cold start and never run.
// `Codecs` is the object kafkajs exports as `CompressionCodecs`, `Types` its `CompressionTypes`.
import {
  Codecs as CompressionCodecs,
  Types as CompressionTypes,
} from 'kafkajs/src/protocol/message/compression/index.js';
import type { Codec } from './codec.ts';
import { CompressionCodecError } from './errors.ts';

/** Batch compression codecs, as kafka-go names them (`compress.Gzip`, ...). */
export const Compression = {
  None: 'none',
  Gzip: 'gzip',
  Snappy: 'snappy',
  Lz4: 'lz4',
  Zstd: 'zstd',
} as const;

/** One of Compression's values: `'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'`. */
export type Compression = (typeof Compression)[keyof typeof Compression];

const KAFKAJS_TYPES: Record<Compression, kafkajs.CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** Whether `value` names a Compression (for parsing configuration). */
export function isCompression(value: unknown): value is Compression {
  return typeof value === 'string' && Object.hasOwn(KAFKAJS_TYPES, value);
}

/** The kafkajs `CompressionTypes` value to pass to `producer.send` for a Compression. */
export function toKafkaJsCompressionType(compression: Compression): kafkajs.CompressionTypes {
  const type = KAFKAJS_TYPES[compression];
  if (type === undefined) throw unknownCompression(compression);
  return type;
}

/**
 * Loads a codec's implementation. Each lives in its own module, imported on first use, so a
 * Lambda that never compresses with zstd never loads zstd code (nor, on old Node, its WASM).
 */
export async function loadCodec(compression: Exclude<Compression, 'none'>): Promise<Codec> {
  switch (compression) {
    case 'gzip':
      return (await import('./gzip.ts')).gzipCodec;
    case 'snappy':
      return (await import('./snappy.ts')).snappyCodec;
    case 'lz4':
      return (await import('./lz4.ts')).lz4Codec;
    case 'zstd':
      return (await import('./zstd.ts')).createZstdCodec();
    default:
      throw unknownCompression(compression);
  }
}

/** Codecs loaded or loading, as promises so concurrent first writes load a codec once. */
const loaded = new Map<Compression, Promise<Codec>>();

/**
 * The codec for `compression`, loaded on first use and registered into kafkajs's
 * CompressionCodecs too (kafkajs decodes compressed batches with it, and `producer.send` users
 * can compress with it). After the first call it returns the settled promise. A failed load is
 * forgotten, so the next call tries again.
 */
export function codecFor(compression: Exclude<Compression, 'none'>): Promise<Codec> {
  let codec = loaded.get(compression);
  if (codec === undefined) {
    codec = register(compression).catch((error: unknown) => {
      loaded.delete(compression);
      throw error;
    });
    loaded.set(compression, codec);
  }
  return codec;
}

/**
 * Makes kafkajs able to write (and read) batches with `compression` (see codecFor). Safe to call
 * before every send.
 *
 * @example
 * await ensureCodec(Compression.Zstd);
 * await producer.send({ topic, messages, compression: toKafkaJsCompressionType(Compression.Zstd) });
 */
export async function ensureCodec(compression: Compression): Promise<void> {
  if (compression !== 'none') await codecFor(compression);
}

/** Forgets which codecs were registered (tests); kafkajs keeps what it was given. */
export function clearCodecRegistrations(): void {
  loaded.clear();
}

async function register(compression: Exclude<Compression, 'none'>): Promise<Codec> {
  let codec: Codec;
  try {
    codec = await loadCodec(compression);
  } catch (error) {
    if (error instanceof CompressionCodecError) throw error;
    throw new CompressionCodecError(
      compression,
      'compress',
      `could not load the codec: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  // kafkajs calls compress with its Encoder (bytes in `.buffer`) and decompress with a Buffer.
  const kafkaJsCodec = {
    compress: (encoder: { buffer: Buffer }) => codec.compress(encoder.buffer),
    decompress: (buffer: Buffer) => codec.decompress(buffer),
  };
  CompressionCodecs[toKafkaJsCompressionType(compression) as keyof typeof CompressionCodecs] = () =>
    kafkaJsCodec;
  return codec;
}

function unknownCompression(value: unknown): Error {
  return new TypeError(
    `unknown compression ${JSON.stringify(value)}; expected one of ${Object.keys(KAFKAJS_TYPES).join(', ')}`,
  );
}
