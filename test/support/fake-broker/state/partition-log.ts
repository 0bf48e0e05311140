import type { DecodedBatch, RecordHeader } from '../protocol/record-batch.ts';
import {
  lastSequence,
  ProducerStateTable,
  type SequencedBatch,
  type UnknownProducerPolicy,
} from './producer-state.ts';

/** A record in a fake partition, as tests read it back. */
export interface StoredRecord {
  offset: number;
  /** -1 for a producer that is not idempotent. */
  producerId: number;
  epoch: number;
  /** This record's sequence number; -1 for a producer that is not idempotent. */
  sequence: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** False for a batch compressed with a codec the fake does not read: key, value and headers are then empty. */
  decoded: boolean;
}

/** What an append did. */
export type AppendOutcome =
  | { outcome: 'appended'; baseOffset: number; lastOffset: number }
  | { outcome: 'duplicate'; baseOffset: number; lastOffset: number }
  | { outcome: 'rejected'; errorCode: number; reason: string };

/** One partition's log and its idempotent-producer state. Offsets start at 0 and nothing is ever deleted. */
export class PartitionLog {
  readonly records: StoredRecord[] = [];
  readonly producers: ProducerStateTable;

  constructor(unknownProducer: UnknownProducerPolicy) {
    this.producers = new ProducerStateTable(unknownProducer);
  }

  get logStartOffset(): number {
    return 0;
  }

  get logEndOffset(): number {
    return this.records.length;
  }

  /** Appends a batch under the KIP-98 rules; a duplicate gets the offsets it was first given. */
  append(batch: DecodedBatch): AppendOutcome {
    const sequenced = sequencedBatch(batch);
    if (sequenced) {
      const verdict = this.producers.check(sequenced);
      if (verdict.outcome === 'reject') {
        return { outcome: 'rejected', errorCode: verdict.errorCode, reason: verdict.reason };
      }
      if (verdict.outcome === 'duplicate') {
        return { outcome: 'duplicate', baseOffset: verdict.baseOffset, lastOffset: verdict.lastOffset };
      }
    }
    const baseOffset = this.logEndOffset;
    for (let i = 0; i < batch.recordCount; i++) {
      const record = batch.records?.[i];
      this.records.push({
        offset: baseOffset + i,
        producerId: batch.producerId,
        epoch: batch.producerEpoch,
        sequence: sequenced ? lastSequence(batch.baseSequence, i) : -1,
        timestamp: record?.timestamp ?? batch.firstTimestamp,
        key: record?.key ?? null,
        value: record?.value ?? null,
        headers: record?.headers ?? [],
        decoded: record !== undefined,
      });
    }
    const lastOffset = this.logEndOffset - 1;
    if (sequenced) this.producers.recordAppend(sequenced, baseOffset, lastOffset);
    return { outcome: 'appended', baseOffset, lastOffset };
  }
}

/** The batch's place in its producer's sequence, or undefined for a producer that is not idempotent. */
export function sequencedBatch(batch: DecodedBatch): SequencedBatch | undefined {
  if (batch.producerId < 0) return undefined;
  return {
    producerId: batch.producerId,
    epoch: batch.producerEpoch,
    firstSeq: batch.baseSequence,
    // Kafka's DefaultRecordBatch.lastSequence: from lastOffsetDelta, not the record count.
    lastSeq: lastSequence(batch.baseSequence, batch.lastOffsetDelta),
  };
}
