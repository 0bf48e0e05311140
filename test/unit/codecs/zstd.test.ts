import { describe, expect, it } from 'vitest';
import { createZstdCodec, nodeHasZstd, type ZstdImplementation } from '../../../lib/writer/codecs/zstd.ts';
import { splitZstdFrames } from '../../../lib/writer/codecs/zstd-frames.ts';
import { FIXTURE_INPUT, fixture, jsonLines } from './fixtures.ts';

describe('zstd frames', () => {
  it('knows which writers leave the content size out', () => {
    expect(splitZstdFrames(fixture('zstd')).map((f) => f.contentSize)).toEqual([undefined]);
    expect(splitZstdFrames(fixture('zstd-cli-stream')).map((f) => f.contentSize)).toEqual([undefined]);
    expect(splitZstdFrames(fixture('zstd-cli-2frames')).map((f) => f.contentSize)).toEqual([
      60_000,
      undefined,
    ]);
  });
});

describe.each<ZstdImplementation>(['node', 'wasm'])('zstd codec (%s)', (implementation) => {
  const load = () => createZstdCodec({ implementation });

  it.each([
    ['the Java producer (zstd-jni stream: no content size)', 'zstd'],
    ['the zstd CLI reading a pipe (no content size, checksum)', 'zstd-cli-stream'],
    ['the zstd CLI as two frames, the first with a content size', 'zstd-cli-2frames'],
  ])('decodes what %s wrote', async (_label, suffix) => {
    const codec = await load();

    expect((await codec.decompress(fixture(suffix))).equals(FIXTURE_INPUT)).toBe(true);
  });

  it('writes one standard frame that declares its content size', async () => {
    const codec = await load();
    const input = jsonLines(50_000);

    const frames = splitZstdFrames(await codec.compress(input));

    expect(frames).toHaveLength(1);
    expect(frames[0]?.contentSize).toBe(50_000);
  });

  it('skips skippable frames', async () => {
    const codec = await load();
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 0xaa, 0xbb]);

    const data = Buffer.concat([skippable, await codec.compress(Buffer.from('after skippable'))]);

    expect((await codec.decompress(data)).toString()).toBe('after skippable');
  });

  it('grows its output for a large frame without a content size', async () => {
    const codec = await load();
    // 2.3 MB in a frame that hides its size: more than the WASM path's first 1 MB guess.
    const input = Buffer.concat(Array.from({ length: 16 }, () => FIXTURE_INPUT));
    const frame = Buffer.from(await codec.compress(input));
    const sized = splitZstdFrames(frame)[0];
    const unsized = stripContentSize(frame);
    expect(sized?.contentSize).toBe(input.length);
    expect(splitZstdFrames(unsized)[0]?.contentSize).toBeUndefined();

    expect((await codec.decompress(unsized)).equals(input)).toBe(true);
  });

  it.each([
    ['a frame cut short', (f: Buffer) => f.subarray(0, f.length - 100), /truncated|runs past the end/],
    ['a frame missing its checksum', (f: Buffer) => f.subarray(0, f.length - 2), /truncated/],
    ['an empty input', () => Buffer.alloc(0), /empty input/],
    ['another magic', () => Buffer.from('not zstd at all'), /not a zstd frame/],
    ['corrupt block data', (f: Buffer) => flip(f, 2000), /corrupt|checksum/i],
  ])('rejects %s with an error naming zstd', async (_label, damage, message) => {
    const codec = await load();

    const attempt = codec.decompress(damage(Buffer.from(fixture('zstd-cli-stream'))));

    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toMatchObject({ name: 'CompressionCodecError', codec: 'zstd' });
  });
});

describe('zstd implementation choice', () => {
  it('uses node:zlib where Node has it and says so when asked for it where it does not', async () => {
    if (nodeHasZstd()) {
      await expect(createZstdCodec({ implementation: 'node' })).resolves.toMatchObject({ name: 'zstd' });
    } else {
      await expect(createZstdCodec({ implementation: 'node' })).rejects.toThrow(/has no zstd/);
    }
  });

  it('produces frames either implementation reads', async () => {
    const node = await createZstdCodec({ implementation: nodeHasZstd() ? 'node' : 'wasm' });
    const wasm = await createZstdCodec({ implementation: 'wasm' });

    expect((await wasm.decompress(await node.compress(FIXTURE_INPUT))).equals(FIXTURE_INPUT)).toBe(true);
    expect((await node.decompress(await wasm.compress(FIXTURE_INPUT))).equals(FIXTURE_INPUT)).toBe(true);
  });
});

/** Rewrites a single-segment-free frame header without its content size field (as a streaming writer would). */
function stripContentSize(frame: Buffer): Buffer {
  const descriptor = frame[4] as number;
  const sizeFlag = descriptor >>> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if (singleSegment) throw new Error('test needs a frame with a window descriptor');
  const sizeBytes = [0, 2, 4, 8][sizeFlag] as number;
  const headerEnd = 6 + ([0, 1, 2, 4][descriptor & 3] as number);
  const out = Buffer.concat([frame.subarray(0, headerEnd), frame.subarray(headerEnd + sizeBytes)]);
  out[4] = descriptor & 0x3f;
  return out;
}

function flip(data: Buffer, at: number): Buffer {
  for (let i = 0; i < 16; i++) data[at + i] = (data[at + i] as number) ^ 0x5a;
  return data;
}
