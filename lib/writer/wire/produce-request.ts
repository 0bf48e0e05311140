/**
 * The body of a Produce request (v3-v7: what kafkajs 2.2.4 speaks, and negotiates with Kafka 2.1
 * and later) with one record batch (magic v2) per partition, written in one pass into one
 * exact-size buffer: sizes first, then the bytes, varints in place, CRC-32C by slicing-by-16.
 *
 * Why not kafkajs' encoder: it allocates a zero-filled 512-byte buffer per record and per header,
 * grows the batch buffer by doubling and copying, builds every varint through an array and
 * checksums byte by byte. Profiles put that at most of the Writer's CPU, and CPU per message is
 * what bounds throughput on a Lambda's one or two vCPUs. The bytes are the same as kafkajs'
 * (test/unit/writer/produce-request.test.ts compares them on random requests), so the broker, the
 * response decoding and kafkajs' idempotence bookkeeping cannot tell the difference.
 */
import type { WireRecord } from '../transport.ts';
import { crc32c } from './crc32c.ts';

/** One partition's batch. */
export interface PartitionRecords {
  partition: number;
  /** Sequence of the first record (idempotent producers); 0 otherwise. */
  firstSequence: number;
  records: readonly WireRecord[];
}

/** One topic's partitions. */
export interface TopicRecords {
  topic: string;
  partitions: readonly PartitionRecords[];
}

/** What goes into a Produce request body. The Writer is never transactional. */
export interface ProduceRequestBody {
  /** -1 (none), 0 or 1 as the broker counts them. */
  acks: number;
  timeoutMs: number;
  /** -1 when the producer is not idempotent. */
  producerId: bigint;
  producerEpoch: number;
  topics: readonly TopicRecords[];
}

/** Compresses a batch's records section; `attribute` is the codec's id in the batch attributes. */
export interface RecordsCompression {
  attribute: number;
  compress(records: Buffer): Promise<Buffer>;
}

/** Record batch header after baseOffset and batchLength, through the record count. */
const BATCH_HEADER_BYTES = 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
/** Per partition before its batch: partition id, batch size, baseOffset, batchLength. */
const PARTITION_PREFIX_BYTES = 4 + 4 + 8 + 4;

/** A record's headers as the wire lists them: one entry per value, with the name's byte length. */
type HeaderList = Array<[name: string, nameBytes: number, value: Buffer]>;

/** Records without headers share this list: nothing is allocated for them. */
const NO_HEADERS: HeaderList = [];

/**
 * A partition's records, sized once so the write pass never measures again. Per-record numbers
 * live in arrays rather than an object per record: this runs for every message, and short-lived
 * objects per message are what the garbage collector spends its time on.
 */
interface SizedPartition {
  partition: PartitionRecords;
  firstTimestamp: number;
  maxTimestamp: number;
  /** Each record's length as its varint prefix states it (attributes through headers). */
  bodyBytes: number[];
  /** Each record's headers, NO_HEADERS for none. */
  headers: HeaderList[];
  recordsBytes: number;
}

/**
 * Encodes an uncompressed Produce request body. `headroomBytes` are left unwritten in front of it,
 * for the request's size and header (request-frame.ts), so the request is written once.
 */
export function encodeProduceRequestBody(body: ProduceRequestBody, headroomBytes = 0): Buffer {
  const topics = body.topics.map((t) => ({ topic: t, partitions: t.partitions.map(sizePartition) }));
  const buf = Buffer.allocUnsafe(
    headroomBytes + bodyBytes(topics, (p) => BATCH_HEADER_BYTES + p.recordsBytes),
  );
  let o = writeBodyHeader(buf, headroomBytes, body, topics.length);
  for (const { topic, partitions } of topics) {
    o = writeTopicHeader(buf, o, topic.topic, partitions.length);
    for (const sized of partitions) {
      o = writePartitionPrefix(buf, o, sized.partition.partition, BATCH_HEADER_BYTES + sized.recordsBytes);
      const crcAt = o + 4 + 1;
      o = writeBatchHeader(buf, o, body, sized, 0);
      o = writeRecords(buf, o, sized);
      buf.writeUInt32BE(crc32c(buf.subarray(crcAt + 4, o)), crcAt);
    }
  }
  return checkedLength(buf, o);
}

/**
 * Encodes a Produce request body whose batches are compressed: each partition's records section
 * is written as above into its own buffer and handed to the codec, as Kafka's format wants.
 * `headroomBytes` as for encodeProduceRequestBody.
 */
export async function encodeCompressedProduceRequestBody(
  body: ProduceRequestBody,
  compression: RecordsCompression,
  headroomBytes = 0,
): Promise<Buffer> {
  const topics = [];
  for (const topic of body.topics) {
    const partitions = [];
    for (const partition of topic.partitions) {
      const sized = sizePartition(partition);
      const records = Buffer.allocUnsafe(sized.recordsBytes);
      const o = writeRecords(records, 0, sized);
      partitions.push({ ...sized, compressed: await compression.compress(checkedLength(records, o)) });
    }
    topics.push({ topic, partitions });
  }
  const buf = Buffer.allocUnsafe(
    headroomBytes + bodyBytes(topics, (p) => BATCH_HEADER_BYTES + p.compressed.length),
  );
  let o = writeBodyHeader(buf, headroomBytes, body, topics.length);
  for (const { topic, partitions } of topics) {
    o = writeTopicHeader(buf, o, topic.topic, partitions.length);
    for (const sized of partitions) {
      o = writePartitionPrefix(
        buf,
        o,
        sized.partition.partition,
        BATCH_HEADER_BYTES + sized.compressed.length,
      );
      const crcAt = o + 4 + 1;
      o = writeBatchHeader(buf, o, body, sized, compression.attribute);
      o += sized.compressed.copy(buf, o);
      buf.writeUInt32BE(crc32c(buf.subarray(crcAt + 4, o)), crcAt);
    }
  }
  return checkedLength(buf, o);
}

function sizePartition(partition: PartitionRecords): SizedPartition {
  const { records } = partition;
  if (records.length === 0) {
    throw new Error(`a record batch needs at least one record (partition ${partition.partition})`);
  }
  let first = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const { timestampMs } of records) {
    if (timestampMs < first) first = timestampMs;
    if (timestampMs > max) max = timestampMs;
  }
  const bodyBytes: number[] = new Array(records.length);
  const headers: HeaderList[] = new Array(records.length);
  let recordsBytes = 0;
  for (let offsetDelta = 0; offsetDelta < records.length; offsetDelta++) {
    const record = records[offsetDelta] as WireRecord;
    const list = headerList(record);
    const size = recordBodyBytes(record, list, offsetDelta, record.timestampMs - first);
    bodyBytes[offsetDelta] = size;
    headers[offsetDelta] = list;
    recordsBytes += varintBytes(size * 2) + size;
  }
  return { partition, firstTimestamp: first, maxTimestamp: max, bodyBytes, headers, recordsBytes };
}

function headerList(record: WireRecord): HeaderList {
  if (!record.headers) return NO_HEADERS;
  const list: HeaderList = [];
  for (const name of Object.keys(record.headers)) {
    const values = record.headers[name] as Buffer | Buffer[];
    const nameBytes = Buffer.byteLength(name, 'utf8');
    if (Array.isArray(values)) for (const value of values) list.push([name, nameBytes, value]);
    else list.push([name, nameBytes, values]);
  }
  return list.length === 0 ? NO_HEADERS : list;
}

/** A record's bytes after its length prefix: attributes, deltas, key, value, headers. */
function recordBodyBytes(
  record: WireRecord,
  headers: HeaderList,
  offsetDelta: number,
  timestampDelta: number,
) {
  let size =
    1 + // attributes
    varintBytes(zigzag(timestampDelta)) +
    varintBytes(offsetDelta * 2) +
    nullableBytesSize(record.key) +
    nullableBytesSize(record.value) +
    varintBytes(headers.length * 2);
  for (const [, nameBytes, value] of headers) {
    size += varintBytes(nameBytes * 2) + nameBytes + nullableBytesSize(value);
  }
  return size;
}

function bodyBytes<P extends { partition: PartitionRecords }>(
  topics: Array<{ topic: TopicRecords; partitions: P[] }>,
  batchBytes: (partition: P) => number,
): number {
  let size = 2 + 2 + 4 + 4; // null transactional id, acks, timeout, topic count
  for (const { topic, partitions } of topics) {
    size += 2 + Buffer.byteLength(topic.topic, 'utf8') + 4;
    for (const p of partitions) size += PARTITION_PREFIX_BYTES + batchBytes(p);
  }
  return size;
}

function writeBodyHeader(buf: Buffer, offset: number, body: ProduceRequestBody, topicCount: number): number {
  let o = buf.writeInt16BE(-1, offset); // transactional id: null
  o = buf.writeInt16BE(body.acks, o);
  o = buf.writeInt32BE(body.timeoutMs, o);
  return buf.writeInt32BE(topicCount, o);
}

function writeTopicHeader(buf: Buffer, offset: number, topic: string, partitionCount: number): number {
  const nameBytes = buf.write(topic, offset + 2, 'utf8');
  buf.writeInt16BE(nameBytes, offset);
  return buf.writeInt32BE(partitionCount, offset + 2 + nameBytes);
}

function writePartitionPrefix(buf: Buffer, offset: number, partition: number, batchLength: number): number {
  let o = buf.writeInt32BE(partition, offset);
  o = buf.writeInt32BE(8 + 4 + batchLength, o); // the record set's size in bytes
  o = buf.writeBigInt64BE(0n, o); // baseOffset: the broker assigns it
  return buf.writeInt32BE(batchLength, o);
}

/** Writes from partitionLeaderEpoch through the record count; the CRC is filled in afterwards. */
function writeBatchHeader(
  buf: Buffer,
  offset: number,
  body: ProduceRequestBody,
  sized: SizedPartition,
  attributes: number,
): number {
  let o = buf.writeInt32BE(0, offset); // partitionLeaderEpoch
  o = buf.writeInt8(2, o); // magic
  o += 4; // CRC-32C of everything after it
  o = buf.writeInt16BE(attributes, o);
  const count = sized.partition.records.length;
  o = buf.writeInt32BE(count - 1, o); // lastOffsetDelta
  o = buf.writeBigInt64BE(BigInt(sized.firstTimestamp), o);
  o = buf.writeBigInt64BE(BigInt(sized.maxTimestamp), o);
  o = buf.writeBigInt64BE(body.producerId, o);
  o = buf.writeInt16BE(body.producerEpoch, o);
  o = buf.writeInt32BE(sized.partition.firstSequence, o);
  return buf.writeInt32BE(count, o);
}

function writeRecords(buf: Buffer, offset: number, sized: SizedPartition): number {
  const { records } = sized.partition;
  let o = offset;
  for (let offsetDelta = 0; offsetDelta < records.length; offsetDelta++) {
    const record = records[offsetDelta] as WireRecord;
    const headers = sized.headers[offsetDelta] as HeaderList;
    o = writeVarint(buf, o, (sized.bodyBytes[offsetDelta] as number) * 2);
    buf[o++] = 0; // attributes
    o = writeVarint(buf, o, zigzag(record.timestampMs - sized.firstTimestamp));
    o = writeVarint(buf, o, offsetDelta * 2);
    o = writeNullableBytes(buf, o, record.key);
    o = writeNullableBytes(buf, o, record.value);
    o = writeVarint(buf, o, headers.length * 2);
    for (const [name, nameBytes, value] of headers) {
      o = writeVarint(buf, o, nameBytes * 2);
      o += buf.write(name, o, nameBytes, 'utf8');
      o = writeNullableBytes(buf, o, value);
    }
  }
  return o;
}

function checkedLength(buf: Buffer, written: number): Buffer {
  // Sizing and writing are separate passes; a mismatch is a bug here, never a bad message.
  if (written !== buf.length)
    throw new Error(`produce request encoded ${written} bytes, sized ${buf.length}`);
  return buf;
}

/** Kafka's signed varints: zigzag. Exact for |n| < 2^52 (lengths and timestamp deltas). */
function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function varintBytes(u: number): number {
  if (u < 0x80) return 1;
  if (u < 0x4000) return 2;
  if (u < 0x200000) return 3;
  if (u < 0x10000000) return 4;
  let size = 5;
  for (let rest = Math.floor(u / 0x800000000); rest > 0; rest = Math.floor(rest / 0x80)) size++;
  return size;
}

function writeVarint(buf: Buffer, offset: number, u: number): number {
  let o = offset;
  while (u >= 0x80) {
    buf[o++] = (u % 0x80) | 0x80;
    u = Math.floor(u / 0x80);
  }
  buf[o++] = u;
  return o;
}

function nullableBytesSize(bytes: Buffer | null): number {
  return bytes === null ? 1 : varintBytes(bytes.length * 2) + bytes.length;
}

function writeNullableBytes(buf: Buffer, offset: number, bytes: Buffer | null): number {
  if (bytes === null) {
    buf[offset] = 1; // zigzag(-1): null
    return offset + 1;
  }
  const o = writeVarint(buf, offset, bytes.length * 2);
  return o + bytes.copy(buf, o);
}
