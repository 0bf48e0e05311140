import { describe, expect, it } from 'vitest';
import type { Codec } from '../../../lib/writer/codecs/codec.ts';
import { gzipCodec } from '../../../lib/writer/codecs/gzip.ts';
import { lz4Codec } from '../../../lib/writer/codecs/lz4.ts';
import { snappyCodec } from '../../../lib/writer/codecs/snappy.ts';
import { createZstdCodec } from '../../../lib/writer/codecs/zstd.ts';
import { jsonLines, pseudoRandomBytes } from './fixtures.ts';

const MB = 1024 * 1024;

const codecs: [string, () => Promise<Codec>][] = [
  ['gzip', async () => gzipCodec],
  ['snappy', async () => snappyCodec],
  ['lz4', async () => lz4Codec],
  ['zstd (node:zlib)', () => createZstdCodec({ implementation: 'node' })],
  ['zstd (wasm)', () => createZstdCodec({ implementation: 'wasm' })],
];

const inputs: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from([0x2a])],
  ['a short text', Buffer.from('Hello World!')],
  ['1 MB of JSON lines', jsonLines(MB)],
  ['1 MB of incompressible bytes', pseudoRandomBytes(MB)],
  ['1 MB of zeros', Buffer.alloc(MB)],
  ['64 KiB + 1 bytes (a block boundary)', jsonLines(64 * 1024 + 1)],
];

describe.each(codecs)('%s', (_name, load) => {
  it.each(inputs)('round-trips %s byte for byte', async (_label, input) => {
    const codec = await load();

    const compressed = await codec.compress(input);
    const restored = await codec.decompress(compressed);

    expect(Buffer.isBuffer(compressed)).toBe(true);
    expect(Buffer.isBuffer(restored)).toBe(true);
    expect(restored.equals(input)).toBe(true);
  });

  it('shrinks compressible data and barely grows incompressible data', async () => {
    const codec = await load();

    const text = await codec.compress(jsonLines(MB));
    const noise = await codec.compress(pseudoRandomBytes(MB));

    expect(text.length).toBeLessThan(MB / 3);
    expect(noise.length).toBeLessThan(MB * 1.01);
  });

  it('compresses views into a larger buffer (kafkajs hands over a slice)', async () => {
    const codec = await load();
    const backing = Buffer.concat([
      Buffer.from('garbage before'),
      jsonLines(5000),
      Buffer.from('garbage after'),
    ]);
    const view = backing.subarray(14, 14 + 5000);

    expect((await codec.decompress(await codec.compress(view))).equals(view)).toBe(true);
  });

  it('rejects garbage with an error naming the codec', async () => {
    const codec = await load();

    await expect(codec.decompress(Buffer.from('this is not compressed data at all'))).rejects.toMatchObject({
      name: 'CompressionCodecError',
      codec: codec.name,
      operation: 'decompress',
      retriable: false,
      message: expect.stringMatching(new RegExp(`^${codec.name} decompress failed: `)),
    });
  });
});
