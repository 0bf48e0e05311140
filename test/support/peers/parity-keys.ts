/** A key as the balancers see it: `null` is Go's nil key, an empty buffer the empty key. */
export type ParityKey = Buffer | null;

/** A deterministic PRNG (mulberry32): the same seed gives the same keys on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Keys every parity run includes: Kafka's murmur2 test strings, the seed's keys, edge lengths. */
const FIXED_KEYS: readonly ParityKey[] = [
  null,
  Buffer.alloc(0),
  Buffer.from('21'),
  Buffer.from('foobar'),
  Buffer.from('abc'),
  Buffer.from('a-little-bit-long-string'),
  Buffer.from('a-little-bit-longer-string'),
  Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'),
  Buffer.from('Key-A'),
  Buffer.from('Key-B'),
  Buffer.from('Key-C'),
  Buffer.from('ключ'),
  Buffer.from('🔑'),
  Buffer.from([0x00]),
  Buffer.from([0xff]),
  Buffer.from([0x00, 0x00, 0x00, 0x00]),
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]),
  Buffer.from([0x80, 0x00, 0x00, 0x00, 0x7f, 0x0a, 0x0d]),
  Buffer.alloc(1000, 0xa5),
  null,
];

/**
 * `count` keys for parity runs: the fixed keys above, then a seeded mix of printable ids
 * (`user-123`, UUID-like), arbitrary binary keys of 1..64 bytes (every byte value, every tail
 * length 0..3 of murmur2) and, every fiftieth, a nil key. Keys may repeat; that is fine.
 */
export function parityKeys(count: number, seed = 0x5eed): ParityKey[] {
  const random = seededRandom(seed);
  const keys: ParityKey[] = FIXED_KEYS.slice(0, count);
  while (keys.length < count) {
    const i = keys.length;
    if (i % 50 === 0) {
      keys.push(null);
    } else if (i % 3 === 0) {
      keys.push(Buffer.from(`user-${Math.floor(random() * 1_000_000)}`));
    } else if (i % 3 === 1) {
      const hex = Array.from({ length: 16 }, () =>
        Math.floor(random() * 256)
          .toString(16)
          .padStart(2, '0'),
      ).join('');
      keys.push(
        Buffer.from(
          `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
        ),
      );
    } else {
      const length = 1 + Math.floor(random() * 64);
      keys.push(Buffer.from(Array.from({ length }, () => Math.floor(random() * 256))));
    }
  }
  return keys;
}

/** The line protocol of the Go and Java peers: `-` for a nil key, `=<hex>` otherwise. */
export function keyLines(keys: readonly ParityKey[]): string {
  return keys.map((key) => (key === null ? '-\n' : `=${key.toString('hex')}\n`)).join('');
}

/** A key for test names and failure messages. */
export function describeKey(key: ParityKey): string {
  return key === null ? 'nil' : key.length === 0 ? 'empty' : `0x${key.toString('hex')}`;
}
