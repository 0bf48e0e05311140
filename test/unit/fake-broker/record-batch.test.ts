import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../support/fake-broker/protocol/crc32c.ts';
import { CorruptBatchError, decodeRecordBatches } from '../../support/fake-broker/protocol/record-batch.ts';

const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(options: Record<string, unknown>): Promise<{ buffer: Buffer }>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
  options: Record<string, unknown>,
) => unknown;

const T0 = 1_700_000_000_000;

/** kafkajs' own encoding of a batch (the bytes its producer sends). */
async function kafkaJsBatch(options: { compression?: number; producerId?: number } = {}): Promise<Buffer> {
  const records = [
    Record({ key: 'k0', value: 'v0', headers: { trace: 'abc' }, offsetDelta: 0, timestampDelta: 0 }),
    Record({ key: null, value: null, headers: {}, offsetDelta: 1, timestampDelta: 5 }),
  ];
  const batch = await RecordBatch({
    compression: options.compression ?? 0,
    records,
    firstTimestamp: T0,
    maxTimestamp: T0 + 5,
    producerId: options.producerId ?? 1000,
    producerEpoch: 3,
    firstSequence: 42,
    lastOffsetDelta: 1,
  });
  return batch.buffer;
}

/** The batch with its attributes replaced and its CRC recomputed, as a producer with that codec would send it. */
function withAttributes(batch: Buffer, attributes: number): Buffer {
  const copy = Buffer.from(batch);
  copy.writeInt16BE(attributes, 21);
  copy.writeUInt32BE(crc32c(copy.subarray(21)), 17);
  return copy;
}

describe('decodeRecordBatches', () => {
  it("reads kafkajs' encoding of a batch: header fields and records", async () => {
    const [batch, ...rest] = decodeRecordBatches(await kafkaJsBatch());

    expect(rest).toEqual([]);
    expect(batch).toMatchObject({
      magic: 2,
      codec: 'none',
      transactional: false,
      lastOffsetDelta: 1,
      firstTimestamp: T0,
      maxTimestamp: T0 + 5,
      producerId: 1000,
      producerEpoch: 3,
      baseSequence: 42,
      recordCount: 2,
    });
    expect(batch?.records).toEqual([
      {
        offsetDelta: 0,
        timestamp: T0,
        key: Buffer.from('k0'),
        value: Buffer.from('v0'),
        headers: [{ key: 'trace', value: Buffer.from('abc') }],
      },
      { offsetDelta: 1, timestamp: T0 + 5, key: null, value: null, headers: [] },
    ]);
  });

  it('reads the records of a gzip batch', async () => {
    const [batch] = decodeRecordBatches(await kafkaJsBatch({ compression: 1 }));
    expect(batch?.codec).toBe('gzip');
    expect(batch?.records?.map((r) => r.value?.toString() ?? null)).toEqual(['v0', null]);
  });

  it('counts but does not read the records of a codec it has no decoder for', async () => {
    const snappy = withAttributes(await kafkaJsBatch(), 2);
    const [batch] = decodeRecordBatches(snappy);
    expect(batch).toMatchObject({ codec: 'snappy', recordCount: 2, records: undefined });
  });

  it('reads every batch of a record set', async () => {
    const one = await kafkaJsBatch();
    expect(decodeRecordBatches(Buffer.concat([one, one]))).toHaveLength(2);
  });

  it.each([
    [
      'a flipped byte (CRC mismatch)',
      (b: Buffer) => b.writeUInt8(b.readUInt8(b.length - 1) ^ 1, b.length - 1),
    ],
    ['a magic other than 2', (b: Buffer) => b.writeInt8(1, 16)],
    ['a batchLength past the end', (b: Buffer) => b.writeInt32BE(b.length, 8)],
  ])('refuses %s', async (_, corrupt) => {
    const batch = Buffer.from(await kafkaJsBatch());
    corrupt(batch);
    expect(() => decodeRecordBatches(batch)).toThrow(CorruptBatchError);
  });

  it('refuses a lastOffsetDelta that does not match the records', async () => {
    const batch = Buffer.from(await kafkaJsBatch());
    batch.writeInt32BE(5, 23);
    batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
    expect(() => decodeRecordBatches(batch)).toThrow(/lastOffsetDelta/);
  });
});
