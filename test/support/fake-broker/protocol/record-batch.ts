import { gunzipSync } from 'node:zlib';
import { crc32c } from './crc32c.ts';
import { WireFormatError, WireReader } from './wire-reader.ts';

/** A record's header as it arrived. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One record of a batch the fake could read. */
export interface DecodedRecord {
  offsetDelta: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** The codec named by a batch's attributes (bits 0-2). */
export type BatchCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd' | 'unknown';

/** A record batch (magic v2) as a producer sent it. */
export interface DecodedBatch {
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  codec: BatchCodec;
  transactional: boolean;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  /** -1 when the producer is not idempotent. A number: ids past 2^53 lose precision. */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  /** The records, or undefined for a codec the fake does not read (snappy, lz4, zstd). */
  records: DecodedRecord[] | undefined;
}

/** Thrown for a batch the broker would refuse as CORRUPT_MESSAGE (bad CRC, magic, framing). */
export class CorruptBatchError extends Error {
  override readonly name = 'CorruptBatchError';
}

const CODECS: readonly BatchCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
/** Bytes of baseOffset + batchLength, which batchLength does not count. */
const LOG_OVERHEAD = 8 + 4;
/** partitionLeaderEpoch + magic + crc: the bytes batchLength counts before the CRC'd part. */
const BEFORE_CRC = 4 + 1 + 4;

/**
 * Decodes the RECORDS field of one partition in a Produce request: every batch in it, each
 * checked the way a broker does (magic 2, CRC-32C over attributes..end, record count).
 */
export function decodeRecordBatches(records: Buffer): DecodedBatch[] {
  const batches: DecodedBatch[] = [];
  let offset = 0;
  while (offset < records.length) {
    if (records.length - offset < LOG_OVERHEAD + BEFORE_CRC) {
      throw new CorruptBatchError(`${records.length - offset} trailing bytes are not a batch`);
    }
    const batchLength = records.readInt32BE(offset + 8);
    const end = offset + LOG_OVERHEAD + batchLength;
    if (batchLength < BEFORE_CRC || end > records.length) {
      throw new CorruptBatchError(`batchLength ${batchLength} overruns the ${records.length} bytes sent`);
    }
    batches.push(decodeBatch(records.subarray(offset + LOG_OVERHEAD, end)));
    offset = end;
  }
  return batches;
}

/** One batch after its baseOffset and batchLength. */
function decodeBatch(body: Buffer): DecodedBatch {
  const reader = new WireReader(body);
  try {
    const partitionLeaderEpoch = reader.int32();
    const magic = reader.int8();
    if (magic !== 2) throw new CorruptBatchError(`magic ${magic}: Produce v3+ carries only magic 2`);
    const crc = reader.uint32();
    const computed = crc32c(body.subarray(BEFORE_CRC));
    if (crc !== computed) throw new CorruptBatchError(`CRC ${crc} but the bytes give ${computed}`);
    const attributes = reader.int16();
    const codec = CODECS[attributes & 0x07] ?? 'unknown';
    const lastOffsetDelta = reader.int32();
    const firstTimestamp = Number(reader.int64());
    const maxTimestamp = Number(reader.int64());
    const producerId = Number(reader.int64());
    const producerEpoch = reader.int16();
    const baseSequence = reader.int32();
    const recordCount = reader.int32();
    if (recordCount <= 0) throw new CorruptBatchError(`record count ${recordCount}`);
    const rest = reader.take(reader.remaining);
    const records = readableRecords(codec, rest, recordCount, firstTimestamp);
    if (records && records[records.length - 1]?.offsetDelta !== lastOffsetDelta) {
      throw new CorruptBatchError(`lastOffsetDelta ${lastOffsetDelta} does not match the records`);
    }
    return {
      partitionLeaderEpoch,
      magic,
      crc,
      attributes,
      codec,
      transactional: (attributes & 0x10) !== 0,
      lastOffsetDelta,
      firstTimestamp,
      maxTimestamp,
      producerId,
      producerEpoch,
      baseSequence,
      recordCount,
      records,
    };
  } catch (error) {
    if (error instanceof WireFormatError) throw new CorruptBatchError(error.message, { cause: error });
    throw error;
  }
}

/** gzip is in node:zlib, so it is read too; the other codecs would need lib/'s codecs. */
function readableRecords(
  codec: BatchCodec,
  bytes: Buffer,
  count: number,
  firstTimestamp: number,
): DecodedRecord[] | undefined {
  if (codec === 'none') return decodeRecords(bytes, count, firstTimestamp);
  if (codec !== 'gzip') return undefined;
  let inflated: Buffer;
  try {
    inflated = gunzipSync(bytes);
  } catch (error) {
    throw new CorruptBatchError('gzip records that do not inflate', { cause: error });
  }
  return decodeRecords(inflated, count, firstTimestamp);
}

function decodeRecords(bytes: Buffer, count: number, firstTimestamp: number): DecodedRecord[] {
  const reader = new WireReader(bytes);
  const records: DecodedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const length = reader.varint();
    const record = new WireReader(reader.take(length));
    record.int8(); // attributes: unused by magic 2 records
    const timestamp = firstTimestamp + Number(record.varlong());
    const offsetDelta = record.varint();
    const key = record.varintBytes();
    const value = record.varintBytes();
    const headerCount = record.varint();
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const name = record.varintBytes();
      if (name === null) throw new CorruptBatchError('a header without a key');
      headers.push({ key: name.toString('utf8'), value: record.varintBytes() });
    }
    if (record.remaining !== 0)
      throw new CorruptBatchError(`record ${i} has ${record.remaining} extra bytes`);
    records.push({ offsetDelta, timestamp, key, value, headers });
  }
  if (reader.remaining !== 0) throw new CorruptBatchError(`${reader.remaining} bytes after ${count} records`);
  return records;
}
