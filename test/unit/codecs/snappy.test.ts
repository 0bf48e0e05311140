import { describe, expect, it } from 'vitest';
import {
  compressRaw,
  compressXerial,
  isXerialFramed,
  snappyCodec,
} from '../../../lib/writer/codecs/snappy.ts';
import { FIXTURE_INPUT, fixture, jsonLines } from './fixtures.ts';

/** The stream header a Java producer writes: "\x82SNAPPY\0", version 1, compatible version 1. */
const XERIAL_HEADER = fixture('snappy').subarray(0, 16);

describe('snappy codec', () => {
  it('knows the Java header', () => {
    expect(XERIAL_HEADER.toString('hex')).toBe('82534e41505059000000000100000001');
  });

  it('decodes the xerial framing a Java producer writes (snappy-java SnappyOutputStream)', async () => {
    const javaFramed = fixture('snappy');
    expect(isXerialFramed(javaFramed)).toBe(true);

    expect((await snappyCodec.decompress(javaFramed)).equals(FIXTURE_INPUT)).toBe(true);
  });

  it('decodes one raw block, as librdkafka and snappy-java Snappy.compress write it', async () => {
    const raw = fixture('snappy-raw');
    expect(isXerialFramed(raw)).toBe(false);

    expect((await snappyCodec.decompress(raw)).equals(FIXTURE_INPUT)).toBe(true);
  });

  it("writes xerial framing with the Java client's header and 32 KiB chunks", async () => {
    const input = jsonLines(100_000);

    const framed = await snappyCodec.compress(input);

    expect(framed.subarray(0, 16)).toEqual(XERIAL_HEADER);
    const chunkLengths: number[] = [];
    for (let p = 16; p < framed.length; p += 4 + (chunkLengths.at(-1) as number)) {
      chunkLengths.push(framed.readUInt32BE(p));
    }
    expect(chunkLengths).toHaveLength(Math.ceil(100_000 / 32_768));
    expect((await snappyCodec.decompress(framed)).equals(input)).toBe(true);
  });

  it('frames an empty input as the bare header, which decodes to nothing', async () => {
    expect(compressXerial(Buffer.alloc(0))).toEqual(XERIAL_HEADER);
    expect(await snappyCodec.decompress(XERIAL_HEADER)).toEqual(Buffer.alloc(0));
  });

  it('reads back raw blocks it writes', async () => {
    const input = jsonLines(70_000);

    expect((await snappyCodec.decompress(compressRaw(input))).equals(input)).toBe(true);
  });

  it.each([
    [
      'a truncated chunk header',
      Buffer.concat([XERIAL_HEADER, Buffer.from([0, 0])]),
      /truncated in a chunk header/,
    ],
    [
      'a chunk longer than the input',
      Buffer.concat([XERIAL_HEADER, Buffer.from([0, 0, 1, 0, 1, 2])]),
      /declares 256 bytes/,
    ],
    ['an empty input', Buffer.alloc(0), /empty input/],
    ['a raw block declaring an absurd length', Buffer.from([0xff, 0xff, 0xff, 0x7f, 0]), /too big/],
    [
      'a raw block copying from before its start',
      Buffer.from([0x04, 0x01, 0x05]),
      /Invalid Snappy bitstream/,
    ],
  ])('rejects %s', async (_label, input, message) => {
    await expect(snappyCodec.decompress(input)).rejects.toThrow(message);
  });
});
