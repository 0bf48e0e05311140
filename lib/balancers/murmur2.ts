const SEED = 0x9747b28c;
// Mixing constants of MurmurHash2, as in the Java client.
const M = 0x5bd1e995;
const R = 24;

/**
 * MurmurHash2 exactly as the Java client's `Utils.murmur2`: the hash of Kafka's default
 * partitioner, kafkajs's default partitioner and librdkafka's `murmur2` partitioners.
 *
 * Returns a signed 32-bit integer like the Java method, so Kafka's own test vectors read
 * unchanged; partitioners keep the low 31 bits (`& 0x7fffffff`). kafka-go's port returns the
 * same bits as a uint32.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const words = length >>> 2;

  for (let i = 0; i < words; i++) {
    const at = i * 4;
    let k =
      (data[at] as number) |
      ((data[at + 1] as number) << 8) |
      ((data[at + 2] as number) << 16) |
      ((data[at + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }

  const tail = length & ~3;
  const extra = length & 3;
  if (extra >= 3) h ^= (data[tail + 2] as number) << 16;
  if (extra >= 2) h ^= (data[tail + 1] as number) << 8;
  if (extra >= 1) {
    h ^= data[tail] as number;
    h = Math.imul(h, M);
  }

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
