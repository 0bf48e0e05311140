/** Sequence numbers are non-negative int32s; after 2^31 - 1 comes 0 (Kafka's DefaultRecordBatch). */
const SEQUENCE_MODULUS = 2 ** 31;

/**
 * The sequence that follows a batch of `count` records starting at `sequence`, wrapping to 0
 * after INT32_MAX as the broker computes it. kafkajs instead resets to 0 when the sum overflows,
 * which the broker reads as out of order.
 */
export function nextSequence(sequence: number, count: number): number {
  return (sequence + count) % SEQUENCE_MODULUS;
}

/** The highest epoch a producer id can carry; bumping past it needs a new producer id. */
export const MAX_PRODUCER_EPOCH = 32_767;
