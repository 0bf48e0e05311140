const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

/** xxHash32 of `data[start, end)`: the checksum of LZ4 frame descriptors, blocks and content. */
export function xxh32(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  let p = start;
  let h: number;
  if (end - start >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0;
    let v2 = (seed + PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - PRIME1) | 0;
    const limit = end - 16;
    while (p <= limit) {
      v1 = round(v1, readU32(data, p));
      v2 = round(v2, readU32(data, p + 4));
      v3 = round(v3, readU32(data, p + 8));
      v4 = round(v4, readU32(data, p + 12));
      p += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + PRIME5) | 0;
  }
  h = (h + (end - start)) | 0;
  for (; p + 4 <= end; p += 4) h = Math.imul(rotl((h + Math.imul(readU32(data, p), PRIME3)) | 0, 17), PRIME4);
  for (; p < end; p++) h = Math.imul(rotl((h + Math.imul(data[p] as number, PRIME5)) | 0, 11), PRIME1);
  h = Math.imul(h ^ (h >>> 15), PRIME2);
  h = Math.imul(h ^ (h >>> 13), PRIME3);
  return (h ^ (h >>> 16)) >>> 0;
}

function round(acc: number, input: number): number {
  return Math.imul(rotl((acc + Math.imul(input, PRIME2)) | 0, 13), PRIME1);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** Little-endian unsigned 32-bit read (shared with the LZ4 frame reader). */
export function readU32(data: Uint8Array, p: number): number {
  return (
    ((data[p] as number) |
      ((data[p + 1] as number) << 8) |
      ((data[p + 2] as number) << 16) |
      ((data[p + 3] as number) << 24)) >>>
    0
  );
}
