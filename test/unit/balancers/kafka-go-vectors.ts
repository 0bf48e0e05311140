/**
 * Partitions chosen by kafka-go v0.4.51's own balancers (test/peers/kafka-go, fresh balancers,
 * partitions 0..n-1) for a few keys. `crc32: null` marks the empty key, which kafka-go's
 * CRC32Balancer places at random. The integration parity test checks 500 keys the same way live.
 */
export const KAFKA_GO_VECTORS: readonly {
  key: string;
  partitions: number;
  hash: number;
  referenceHash: number;
  crc32: number | null;
  murmur2: number;
}[] = [
  { key: '', partitions: 7, hash: 2, referenceHash: 0, crc32: null, murmur2: 2 },
  { key: 'a', partitions: 7, hash: 6, referenceHash: 3, crc32: 4, murmur2: 5 },
  { key: 'foobar', partitions: 7, hash: 4, referenceHash: 5, crc32: 6, murmur2: 0 },
  { key: 'Key-A', partitions: 7, hash: 1, referenceHash: 1, crc32: 1, murmur2: 3 },
  { key: 'Key-B', partitions: 7, hash: 3, referenceHash: 3, crc32: 2, murmur2: 3 },
  { key: 'Key-C', partitions: 7, hash: 5, referenceHash: 5, crc32: 6, murmur2: 1 },
  { key: '21', partitions: 7, hash: 3, referenceHash: 6, crc32: 6, murmur2: 3 },
  { key: 'abc', partitions: 7, hash: 5, referenceHash: 5, crc32: 5, murmur2: 4 },
  { key: '', partitions: 12, hash: 3, referenceHash: 5, crc32: null, murmur2: 9 },
  { key: 'a', partitions: 12, hash: 0, referenceHash: 8, crc32: 3, murmur2: 4 },
  { key: 'foobar', partitions: 12, hash: 0, referenceHash: 8, crc32: 5, murmur2: 6 },
  { key: 'Key-A', partitions: 12, hash: 2, referenceHash: 2, crc32: 10, murmur2: 4 },
  { key: 'Key-B', partitions: 12, hash: 3, referenceHash: 3, crc32: 4, murmur2: 2 },
  { key: 'Key-C', partitions: 12, hash: 4, referenceHash: 4, crc32: 2, murmur2: 6 },
  { key: '21', partitions: 12, hash: 0, referenceHash: 8, crc32: 4, murmur2: 0 },
  { key: 'abc', partitions: 12, hash: 11, referenceHash: 11, crc32: 6, murmur2: 3 },
  { key: '', partitions: 32, hash: 27, referenceHash: 5, crc32: null, murmur2: 25 },
  { key: 'a', partitions: 32, hash: 20, referenceHash: 12, crc32: 3, murmur2: 28 },
  { key: 'foobar', partitions: 32, hash: 24, referenceHash: 8, crc32: 21, murmur2: 30 },
  { key: 'Key-A', partitions: 32, hash: 22, referenceHash: 22, crc32: 2, murmur2: 16 },
  { key: 'Key-B', partitions: 32, hash: 3, referenceHash: 3, crc32: 24, murmur2: 30 },
  { key: 'Key-C', partitions: 32, hash: 16, referenceHash: 16, crc32: 14, murmur2: 18 },
  { key: '21', partitions: 32, hash: 20, referenceHash: 12, crc32: 20, murmur2: 12 },
  { key: 'abc', partitions: 32, hash: 11, referenceHash: 11, crc32: 2, murmur2: 27 },
];
