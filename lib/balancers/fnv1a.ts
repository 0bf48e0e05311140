const FNV32_OFFSET_BASIS = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/**
 * FNV-1a, 32 bits, as Go's `hash/fnv.New32a()`: the hash behind kafka-go's `Hash` and
 * `ReferenceHash` and sarama's partitioners. Returns an unsigned 32-bit integer (Go's `Sum32`).
 */
export function fnv1a32(data: Uint8Array): number {
  let hash = FNV32_OFFSET_BASIS;
  for (let i = 0; i < data.length; i++) {
    hash ^= data[i] as number;
    hash = Math.imul(hash, FNV32_PRIME);
  }
  return hash >>> 0;
}
