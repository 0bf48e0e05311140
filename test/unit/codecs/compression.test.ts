import kafkajs from 'kafkajs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  Compression,
  clearCodecRegistrations,
  codecFor,
  ensureCodec,
  isCompression,
  toKafkaJsCompressionType,
} from '../../../lib/writer/codecs/compression.ts';
import { nodeHasZstd } from '../../../lib/writer/codecs/zstd.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;

// Record which codec modules get imported, to check that registration is lazy.
const imported = vi.hoisted(() => new Set<string>());
vi.mock('../../../lib/writer/codecs/zstd-wasm.ts', async (original) => {
  imported.add('zstd-wasm');
  return original();
});
vi.mock('../../../lib/writer/codecs/snappy.ts', async (original) => {
  imported.add('snappy');
  return original();
});
vi.mock('../../../lib/writer/codecs/lz4.ts', async (original) => {
  imported.add('lz4');
  return original();
});

type KafkaJsCodec = {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(b: Buffer): Promise<Buffer>;
};

function kafkaJsCodec(compression: Compression): KafkaJsCodec {
  const factory = CompressionCodecs[toKafkaJsCompressionType(compression) as keyof typeof CompressionCodecs];
  return factory() as KafkaJsCodec;
}

describe('Compression', () => {
  it('names the codecs as kafka-go does', () => {
    expect(Object.values(Compression)).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
  });

  it.each([
    ['none', CompressionTypes.None],
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ] as const)('maps %s to the kafkajs CompressionTypes value', (compression, type) => {
    expect(toKafkaJsCompressionType(compression)).toBe(type);
  });

  it('tells a compression name from anything else', () => {
    expect(['none', 'zstd'].every(isCompression)).toBe(true);
    expect(['brotli', 'ZSTD', '', undefined, 2, 'toString'].some(isCompression)).toBe(false);
  });

  it('rejects an unknown compression with the valid names', () => {
    expect(() => toKafkaJsCompressionType('brotli' as Compression)).toThrow(
      'unknown compression "brotli"; expected one of none, gzip, snappy, lz4, zstd',
    );
  });
});

describe('ensureCodec', () => {
  beforeEach(() => clearCodecRegistrations());

  it('registers a codec into kafkajs only when first asked for, loading nothing else', async () => {
    expect(() => kafkaJsCodec('lz4')).toThrow(/LZ4 compression not implemented/);
    expect(imported.has('lz4')).toBe(false);

    await ensureCodec('lz4');

    expect(imported.has('lz4')).toBe(true);
    expect(imported.has('snappy')).toBe(false);
    expect(imported.has('zstd-wasm')).toBe(false);
    const codec = kafkaJsCodec('lz4');
    const frame = await codec.compress({ buffer: Buffer.from('via kafkajs') });
    expect((await codec.decompress(frame)).toString()).toBe('via kafkajs');
  });

  it('loads the zstd WASM only on a Node.js without zstd in node:zlib', async () => {
    await ensureCodec('zstd');

    expect(imported.has('zstd-wasm')).toBe(!nodeHasZstd());
  });

  it('shares one load and registration between concurrent first calls', async () => {
    const first = codecFor('snappy');
    expect(codecFor('snappy')).toBe(first);
    await ensureCodec('snappy');
    expect(codecFor('snappy')).toBe(first);
    expect(kafkaJsCodec('snappy')).toBeDefined();
  });

  it('does nothing for none', async () => {
    await expect(ensureCodec('none')).resolves.toBeUndefined();
  });

  it('rejects an unknown compression, and a later call tries again', async () => {
    await expect(ensureCodec('brotli' as Compression)).rejects.toThrow(/unknown compression "brotli"/);
    await expect(ensureCodec('brotli' as Compression)).rejects.toThrow(/unknown compression "brotli"/);
  });

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)(
    'makes kafkajs report a corrupt %s batch as an error naming the codec',
    async (compression) => {
      await ensureCodec(compression);

      await expect(
        kafkaJsCodec(compression).decompress(Buffer.from('corrupt batch bytes')),
      ).rejects.toMatchObject({
        name: 'CompressionCodecError',
        codec: compression,
        operation: 'decompress',
        retriable: false,
      });
    },
  );
});
