/**
 * Prototype for lib/writer (not wired in: bench/ does not edit lib/). The body of an uncompressed
 * Produce request (v3-v7, the versions kafkajs 2.2.4 speaks and negotiates with Kafka 4.x), record batches in
 * magic v2, encoded in one pass into one exact-size buffer.
 *
 * Why: kafkajs' encoder allocates a zero-filled 512-byte buffer per record and per header, grows
 * the batch buffer by doubling, builds every varint through an intermediate array and checksums
 * byte by byte. Profiles of the Writer (`node --cpu-prof`) show that as most of its CPU time; for
 * SQS records (four headers each) allocation and GC alone are over a third. The output is
 * byte-for-byte what kafkajs writes (bench/prototypes/encoding-speedup.ts checks it).
 */
import { crc32c } from '../../lib/writer/wire/crc32c.ts';

/** Key, value or header value as kafkajs accepts them (strings are UTF-8; null is Kafka's null). */
export type Bytes = Buffer | string | null | undefined;

/** One message as the Writer's transport hands it to kafkajs (`toTopicData`). */
export interface ProduceMessage {
  key?: Bytes;
  value?: Bytes;
  headers?: Record<string, Bytes | Bytes[]>;
  timestamp?: number | string | null;
}

/** One partition's messages. */
export interface ProducePartition {
  partition: number;
  firstSequence?: number;
  messages: ProduceMessage[];
}

/** kafkajs' `topicData` entry. */
export interface ProduceTopic {
  topic: string;
  partitions: ProducePartition[];
}

/** What kafkajs' Produce request factory takes, less compression (uncompressed only). */
export interface ProduceBody {
  transactionalId?: string | null;
  acks: number;
  timeout: number;
  /** A kafkajs Long (its `toString()` is the decimal value), a number or a bigint; -1 if not idempotent. */
  producerId?: { toString(): string } | number | bigint;
  producerEpoch?: number;
  topicData: ProduceTopic[];
}

const TRANSACTIONAL = 16;
/** Batch header after baseOffset and batchLength: epoch, magic, crc, attributes ... record count. */
const BATCH_HEADER = 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

/** Zigzag for Kafka's signed varints; exact while |n| < 2^52 (timestamps deltas, lengths). */
function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function varintSize(u: number): number {
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

/** A value as bytes, or null for Kafka's null (kafkajs: Buffers as they are, the rest String()-ed). */
function toBytes(value: Bytes): Buffer | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
}

function bytesSize(b: Buffer | null): number {
  return b === null ? 1 : varintSize(b.length * 2) + b.length;
}

function writeBytes(buf: Buffer, offset: number, b: Buffer | null): number {
  if (b === null) {
    buf[offset] = 1; // zigzag(-1)
    return offset + 1;
  }
  const o = writeVarint(buf, offset, b.length * 2);
  return o + b.copy(buf, o);
}

/** A record's parts, converted once and sized once. */
interface PreparedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[Buffer, Buffer | null]>;
  timestampDelta: number;
  offsetDelta: number;
  bodySize: number;
}

interface PreparedPartition {
  partition: number;
  firstSequence: number;
  firstTimestamp: number;
  maxTimestamp: number;
  records: PreparedRecord[];
  recordsSize: number;
}

function prepareRecord(
  message: ProduceMessage,
  offsetDelta: number,
  now: number,
  first: number,
): PreparedRecord {
  const key = toBytes(message.key);
  const value = toBytes(message.value);
  const headers: Array<[Buffer, Buffer | null]> = [];
  if (message.headers) {
    for (const name of Object.keys(message.headers)) {
      const raw = message.headers[name];
      const nameBytes = Buffer.from(name, 'utf8');
      if (Array.isArray(raw)) for (const one of raw) headers.push([nameBytes, toBytes(one)]);
      else headers.push([nameBytes, toBytes(raw)]);
    }
  }
  // kafkajs: a missing (or 0) timestamp means "now".
  const timestampDelta = (message.timestamp ? Number(message.timestamp) : now) - first;
  let bodySize =
    1 +
    varintSize(zigzag(timestampDelta)) +
    varintSize(zigzag(offsetDelta)) +
    bytesSize(key) +
    bytesSize(value) +
    varintSize(headers.length * 2);
  for (const [name, headerValue] of headers) bodySize += bytesSize(name) + bytesSize(headerValue);
  return { key, value, headers, timestampDelta, offsetDelta, bodySize };
}

function preparePartition(data: ProducePartition, now: number): PreparedPartition {
  let first = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const m of data.messages) {
    if (m.timestamp === null || m.timestamp === undefined) continue;
    const t = Number(m.timestamp);
    if (t < first) first = t;
    if (t > max) max = t;
  }
  if (first === Number.POSITIVE_INFINITY) first = max = now;
  const records = data.messages.map((m, i) => prepareRecord(m, i, now, first));
  let recordsSize = 0;
  for (const r of records) recordsSize += varintSize(r.bodySize * 2) + r.bodySize;
  return {
    partition: data.partition,
    firstSequence: data.firstSequence ?? 0,
    firstTimestamp: first,
    maxTimestamp: max,
    records,
    recordsSize,
  };
}

function writeRecord(buf: Buffer, offset: number, r: PreparedRecord): number {
  let o = writeVarint(buf, offset, r.bodySize * 2);
  buf[o++] = 0; // attributes
  o = writeVarint(buf, o, zigzag(r.timestampDelta));
  o = writeVarint(buf, o, zigzag(r.offsetDelta));
  o = writeBytes(buf, o, r.key);
  o = writeBytes(buf, o, r.value);
  o = writeVarint(buf, o, r.headers.length * 2);
  for (const [name, value] of r.headers) {
    o = writeBytes(buf, o, name);
    o = writeBytes(buf, o, value);
  }
  return o;
}

/** Encodes the request body (everything after the request header) kafkajs' `encode()` would. */
export function encodeProduceBody(body: ProduceBody, now = Date.now()): Buffer {
  const transactionalId =
    body.transactionalId === null || body.transactionalId === undefined
      ? null
      : Buffer.from(body.transactionalId, 'utf8');
  const producerId = BigInt((body.producerId ?? -1).toString());
  const producerEpoch = body.producerEpoch ?? 0;
  const attributes = transactionalId === null ? 0 : TRANSACTIONAL;

  const topics = body.topicData.map((t) => ({
    name: Buffer.from(t.topic, 'utf8'),
    partitions: t.partitions.map((p) => preparePartition(p, now)),
  }));
  let size = 2 + (transactionalId?.length ?? 0) + 2 + 4 + 4;
  for (const t of topics) {
    size += 2 + t.name.length + 4;
    for (const p of t.partitions) size += 4 + 4 + 8 + 4 + BATCH_HEADER + p.recordsSize;
  }

  const buf = Buffer.allocUnsafe(size);
  let o = 0;
  if (transactionalId === null) o = buf.writeInt16BE(-1, o);
  else {
    o = buf.writeInt16BE(transactionalId.length, o);
    o += transactionalId.copy(buf, o);
  }
  o = buf.writeInt16BE(body.acks, o);
  o = buf.writeInt32BE(body.timeout, o);
  o = buf.writeInt32BE(topics.length, o);
  for (const t of topics) {
    o = buf.writeInt16BE(t.name.length, o);
    o += t.name.copy(buf, o);
    o = buf.writeInt32BE(t.partitions.length, o);
    for (const p of t.partitions) {
      const batchLength = BATCH_HEADER + p.recordsSize;
      o = buf.writeInt32BE(p.partition, o);
      o = buf.writeInt32BE(8 + 4 + batchLength, o);
      o = buf.writeBigInt64BE(0n, o); // baseOffset
      o = buf.writeInt32BE(batchLength, o);
      o = buf.writeInt32BE(0, o); // partitionLeaderEpoch
      o = buf.writeInt8(2, o); // magic
      const crcAt = o;
      o += 4;
      const crcFrom = o;
      o = buf.writeInt16BE(attributes, o);
      o = buf.writeInt32BE(p.records.length - 1, o); // lastOffsetDelta
      o = buf.writeBigInt64BE(BigInt(p.firstTimestamp), o);
      o = buf.writeBigInt64BE(BigInt(p.maxTimestamp), o);
      o = buf.writeBigInt64BE(producerId, o);
      o = buf.writeInt16BE(producerEpoch, o);
      o = buf.writeInt32BE(p.firstSequence, o);
      o = buf.writeInt32BE(p.records.length, o);
      for (const r of p.records) o = writeRecord(buf, o, r);
      buf.writeUInt32BE(crc32c(buf.subarray(crcFrom, o)), crcAt);
    }
  }
  if (o !== size) throw new Error(`produce request encoded ${o} bytes, sized ${size}`);
  return buf;
}
