/**
 * The two variable-length integer encodings the registries' framings use. Pure bytes.
 *
 * - Zig-zag varints: Kafka's `ByteUtils.writeVarint` (a signed 32-bit int, zig-zag mapped so small
 *   negatives stay short, then 7 bits a byte, low group first). Confluent's Protobuf message indexes
 *   are written with it.
 * - Unsigned varints: Protobuf's `writeUInt32NoTag`. Glue's Protobuf message index is written with it.
 */

/** `value` (a signed 32-bit integer) zig-zag mapped and written as a varint. */
export function zigzagVarint(value: number): number[] {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw new RangeError(`a zig-zag varint holds a 32-bit signed integer, not ${value}`);
  }
  return unsignedVarintBits(((value << 1) ^ (value >> 31)) >>> 0);
}

/** `value` (an unsigned 32-bit integer) written as a varint. */
export function unsignedVarint(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`an unsigned varint holds a 32-bit unsigned integer, not ${value}`);
  }
  return unsignedVarintBits(value);
}

function unsignedVarintBits(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return bytes;
}
