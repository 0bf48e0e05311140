import { ERROR_CODES, MAX_SEQUENCE, RETAINED_BATCHES } from '../constants.ts';

/** What the KIP-98 rules look at in a batch. */
export interface SequencedBatch {
  producerId: number;
  epoch: number;
  firstSeq: number;
  lastSeq: number;
}

/** A batch a producer appended, remembered for duplicate detection. */
export interface RetainedBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
  lastOffset: number;
}

/** One producer's state in one partition. */
export interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most RETAINED_BATCHES. */
  batches: RetainedBatch[];
}

/** The verdict on one batch. */
export type SequenceVerdict =
  | { outcome: 'append' }
  | { outcome: 'duplicate'; baseOffset: number; lastOffset: number }
  | { outcome: 'reject'; errorCode: number; reason: string };

/**
 * A batch whose producer id the partition has no state for and whose sequence is not 0:
 * 'reject' answers UNKNOWN_PRODUCER_ID (Kafka 0.11-2.4, whose Produce versions the fake speaks);
 * 'accept' appends it (Kafka 2.5+, KIP-360: state may have been lost to retention, so any
 * sequence is taken as the producer's next).
 */
export type UnknownProducerPolicy = 'reject' | 'accept';

/** The sequence of a batch's last record: `firstSeq + lastOffsetDelta`, wrapping past INT32_MAX to 0. */
export function lastSequence(firstSeq: number, lastOffsetDelta: number): number {
  return (firstSeq + lastOffsetDelta) % (MAX_SEQUENCE + 1);
}

/** Whether `next` follows `last` (after INT32_MAX comes 0). */
export function inSequence(last: number, next: number): boolean {
  return next === last + 1 || (next === 0 && last === MAX_SEQUENCE);
}

/**
 * Idempotent-producer state of one partition, with the rules of Kafka's ProducerStateManager and
 * ProducerAppendInfo: per producer id an epoch and its last five batches. `check` is pure;
 * `recordAppend` is called once the batch is in the log, so a refused batch changes nothing.
 */
export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();

  constructor(private readonly unknownProducer: UnknownProducerPolicy = 'reject') {}

  /** The verdict for a batch of producer id >= 0, in the order Kafka applies the rules. */
  check(batch: SequencedBatch): SequenceVerdict {
    const entry = this.producers.get(batch.producerId);
    if (!entry) {
      if (batch.firstSeq === 0 || this.unknownProducer === 'accept') return { outcome: 'append' };
      return reject(
        ERROR_CODES.UNKNOWN_PRODUCER_ID,
        `no state for producer ${batch.producerId} and sequence ${batch.firstSeq} is not 0`,
      );
    }
    // Kafka looks for a duplicate before anything else, and only under the current epoch.
    if (batch.epoch === entry.epoch) {
      const duplicate = entry.batches.find(
        (b) => b.firstSeq === batch.firstSeq && b.lastSeq === batch.lastSeq,
      );
      if (duplicate) {
        return { outcome: 'duplicate', baseOffset: duplicate.baseOffset, lastOffset: duplicate.lastOffset };
      }
    }
    if (batch.epoch < entry.epoch) {
      return reject(ERROR_CODES.INVALID_PRODUCER_EPOCH, `epoch ${batch.epoch} is older than ${entry.epoch}`);
    }
    if (batch.epoch > entry.epoch) {
      if (batch.firstSeq === 0) return { outcome: 'append' };
      return reject(
        ERROR_CODES.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `new epoch ${batch.epoch} must start at sequence 0, not ${batch.firstSeq}`,
      );
    }
    const last = entry.batches[entry.batches.length - 1]?.lastSeq ?? -1;
    if (inSequence(last, batch.firstSeq)) return { outcome: 'append' };
    return reject(
      ERROR_CODES.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `sequence ${batch.firstSeq} does not follow ${last} (producer ${batch.producerId}, epoch ${batch.epoch})`,
    );
  }

  /** Remembers an appended batch; a new epoch forgets the old epoch's batches. */
  recordAppend(batch: SequencedBatch, baseOffset: number, lastOffset: number): void {
    let entry = this.producers.get(batch.producerId);
    if (!entry || entry.epoch !== batch.epoch) {
      entry = { epoch: batch.epoch, batches: [] };
      this.producers.set(batch.producerId, entry);
    }
    entry.batches.push({ firstSeq: batch.firstSeq, lastSeq: batch.lastSeq, baseOffset, lastOffset });
    if (entry.batches.length > RETAINED_BATCHES) entry.batches.shift();
  }

  /** A copy of one producer's state, for inspection. */
  entry(producerId: number): ProducerEntry | undefined {
    const entry = this.producers.get(producerId);
    return entry && { epoch: entry.epoch, batches: entry.batches.map((b) => ({ ...b })) };
  }

  /** Forgets a producer, as retention or DeleteRecords would: its next batch meets the unknown-producer rule. */
  forget(producerId: number): void {
    this.producers.delete(producerId);
  }
}

function reject(errorCode: number, reason: string): SequenceVerdict {
  return { outcome: 'reject', errorCode, reason };
}
