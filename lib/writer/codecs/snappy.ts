import { compress, uncompress } from 'snappyjs';
import { type Codec, defineCodec } from './codec.ts';

/** snappy-java's stream magic: "\x82SNAPPY\0". */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Magic, then two big-endian int32s: version and minimum compatible version (both 1). */
const XERIAL_HEADER_BYTES = 16;
const XERIAL_VERSION = 1;
/** snappy-java's default block size; a Java producer's chunks are this size. */
const XERIAL_CHUNK_BYTES = 32 * 1024;
/**
 * Snappy's worst expansion is a 3-byte copy element producing 64 bytes. A declared length past
 * this bound is corruption, rejected before allocating it.
 */
const MAX_EXPANSION = 22;

/**
 * Snappy as Kafka clients speak it. Two framings meet on the wire: the Java client writes
 * snappy-java's xerial stream (a 16-byte header, then chunks of [int32 BE length][raw block]),
 * librdkafka, sarama and kafkajs-snappy write one raw block. Every mainstream reader accepts both
 * (snappy-java falls back to raw when the magic is absent), so decompress detects the framing.
 * Compress writes xerial framing like the Java client and kafka-go's default: whatever reads a
 * Java producer's batches reads ours.
 */
export const snappyCodec: Codec = defineCodec('snappy', {
  compress: (data) => compressXerial(data),
  decompress: (data) => decompressSnappy(data),
});

/** Whether `data` starts with snappy-java's xerial stream header. */
export function isXerialFramed(data: Uint8Array): boolean {
  // A raw block can never start with the magic: it would decode as a copy with no history.
  return (
    data.length >= XERIAL_HEADER_BYTES && Buffer.from(data.buffer, data.byteOffset, 8).equals(XERIAL_MAGIC)
  );
}

/** Compresses into snappy-java's xerial framing, 32 KiB of input per chunk. */
export function compressXerial(data: Buffer): Buffer {
  const parts: Buffer[] = [xerialHeader()];
  for (let start = 0; start < data.length; start += XERIAL_CHUNK_BYTES) {
    const block = compress(data.subarray(start, start + XERIAL_CHUNK_BYTES));
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

/** Compresses into one raw snappy block, as librdkafka writes it. */
export function compressRaw(data: Buffer): Buffer {
  return compress(data);
}

/** Decompresses xerial-framed or raw snappy, whichever `data` is. */
export function decompressSnappy(data: Buffer): Buffer {
  if (!isXerialFramed(data)) return decompressRaw(data);
  const parts: Buffer[] = [];
  let position = XERIAL_HEADER_BYTES;
  while (position < data.length) {
    if (position + 4 > data.length)
      throw new Error(`xerial stream truncated in a chunk header at byte ${position}`);
    const length = data.readUInt32BE(position);
    position += 4;
    if (length > data.length - position) {
      throw new Error(
        `xerial chunk at byte ${position - 4} declares ${length} bytes but ${data.length - position} remain`,
      );
    }
    parts.push(decompressRaw(data.subarray(position, position + length)));
    position += length;
  }
  return Buffer.concat(parts);
}

function decompressRaw(block: Buffer): Buffer {
  if (block.length === 0) throw new Error('empty input is not a snappy block');
  return uncompress(block, block.length * MAX_EXPANSION + 64);
}

function xerialHeader(): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(XERIAL_VERSION, 8);
  header.writeInt32BE(XERIAL_VERSION, 12);
  return header;
}
