import { describe, expect, it } from 'vitest';
import { murmur2 } from '../../../lib/balancers/index.ts';

describe('murmur2', () => {
  // Kafka's own UtilsTest.testMurmur2 vectors.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %j to %i like Kafka’s Utils.murmur2 test vectors', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  // Computed with org.apache.kafka.common.utils.Utils.murmur2 from kafka-clients 4.4.0: every tail length.
  it.each([
    ['empty', Buffer.alloc(0), 275646681],
    ['"a" (tail 1)', Buffer.from('a'), -1563381124],
    ['"ab" (tail 2)', Buffer.from('ab'), 316155434],
    ['"abcd" (no tail)', Buffer.from('abcd'), -1323649548],
    ['"Key-A"', Buffer.from('Key-A'), -2124640048],
    ['"Key-B"', Buffer.from('Key-B'), -1171834530],
    ['"Key-C"', Buffer.from('Key-C'), -913651502],
    ['bytes ff 80 00 01 fe (high bits set)', Buffer.from([0xff, 0x80, 0x00, 0x01, 0xfe]), -173560464],
  ])('hashes %s like the Java client', (_name, input, expected) => {
    expect(murmur2(input)).toBe(expected);
  });

  it('returns a signed 32-bit integer, as the Java method does', () => {
    const hash = murmur2(Buffer.from('Key-A'));
    expect(hash).toBe(hash | 0);
    expect(hash).toBeLessThan(0);
  });

  it('reads a Uint8Array the same as a Buffer', () => {
    expect(murmur2(new Uint8Array([0x61, 0x62, 0x63]))).toBe(murmur2(Buffer.from('abc')));
  });
});
