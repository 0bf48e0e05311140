import { describe, expect, it } from 'vitest';
import { ERROR_CODES, MAX_SEQUENCE } from '../../support/fake-broker/constants.ts';
import {
  inSequence,
  lastSequence,
  ProducerStateTable,
  type SequencedBatch,
} from '../../support/fake-broker/state/producer-state.ts';

const PID = 7;

/** A batch of `count` records from producer 7. */
function batch(epoch: number, firstSeq: number, count = 1): SequencedBatch {
  return { producerId: PID, epoch, firstSeq, lastSeq: lastSequence(firstSeq, count - 1) };
}

/** A table in which producer 7 appended the given batches, at offsets 0.. in order. */
function tableAfter(...appended: SequencedBatch[]): ProducerStateTable {
  const table = new ProducerStateTable();
  let offset = 0;
  for (const b of appended) {
    expect(table.check(b)).toEqual({ outcome: 'append' });
    const count =
      b.lastSeq >= b.firstSeq ? b.lastSeq - b.firstSeq + 1 : MAX_SEQUENCE - b.firstSeq + b.lastSeq + 2;
    table.recordAppend(b, offset, offset + count - 1);
    offset += count;
  }
  return table;
}

describe('ProducerStateTable (KIP-98 rules)', () => {
  it('accepts sequence 0 from a producer it has no state for', () => {
    expect(new ProducerStateTable().check(batch(0, 0, 3))).toEqual({ outcome: 'append' });
  });

  it('accepts the batch that starts right after the last one', () => {
    expect(tableAfter(batch(0, 0, 3)).check(batch(0, 3, 2))).toEqual({ outcome: 'append' });
  });

  it.each([
    ['a gap', 4],
    ['an overlap', 2],
    ['a replay of an older range that is not a whole batch', 1],
  ])('refuses %s as OUT_OF_ORDER_SEQUENCE_NUMBER', (_, firstSeq) => {
    const verdict = tableAfter(batch(0, 0, 3)).check(batch(0, firstSeq, 1));
    expect(verdict).toMatchObject({ outcome: 'reject', errorCode: ERROR_CODES.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it('answers a re-sent batch with the offsets it was first appended at', () => {
    const table = tableAfter(batch(0, 0, 3), batch(0, 3, 2));
    expect(table.check(batch(0, 0, 3))).toEqual({ outcome: 'duplicate', baseOffset: 0, lastOffset: 2 });
    expect(table.check(batch(0, 3, 2))).toEqual({ outcome: 'duplicate', baseOffset: 3, lastOffset: 4 });
  });

  it('remembers only the last five batches for duplicate detection', () => {
    const table = tableAfter(...[0, 1, 2, 3, 4, 5].map((seq) => batch(0, seq)));
    expect(table.check(batch(0, 1))).toMatchObject({ outcome: 'duplicate', baseOffset: 1 });
    expect(table.check(batch(0, 0))).toMatchObject({
      outcome: 'reject',
      errorCode: ERROR_CODES.OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
  });

  it('refuses an epoch lower than the current one as INVALID_PRODUCER_EPOCH, even for an old duplicate', () => {
    const table = tableAfter(batch(0, 0), batch(1, 0));
    expect(table.check(batch(0, 0))).toMatchObject({ errorCode: ERROR_CODES.INVALID_PRODUCER_EPOCH });
    expect(table.check(batch(0, 1))).toMatchObject({ errorCode: ERROR_CODES.INVALID_PRODUCER_EPOCH });
  });

  it('accepts a higher epoch only from sequence 0', () => {
    const table = tableAfter(batch(0, 0, 5));
    expect(table.check(batch(1, 0))).toEqual({ outcome: 'append' });
    expect(table.check(batch(1, 5))).toMatchObject({ errorCode: ERROR_CODES.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it('forgets the old epoch once the new epoch appends', () => {
    const table = tableAfter(batch(0, 0, 2), batch(1, 0, 1));
    expect(table.entry(PID)).toEqual({
      epoch: 1,
      batches: [{ firstSeq: 0, lastSeq: 0, baseOffset: 2, lastOffset: 2 }],
    });
    expect(table.check(batch(1, 1))).toEqual({ outcome: 'append' });
  });

  it('refuses a non-zero first sequence from an unknown producer as UNKNOWN_PRODUCER_ID by default', () => {
    expect(new ProducerStateTable().check(batch(0, 5))).toMatchObject({
      outcome: 'reject',
      errorCode: ERROR_CODES.UNKNOWN_PRODUCER_ID,
    });
  });

  it("accepts any first sequence from an unknown producer under 'accept' (Kafka 2.5+)", () => {
    expect(new ProducerStateTable('accept').check(batch(0, 5))).toEqual({ outcome: 'append' });
  });

  it('wraps sequences past INT32_MAX to 0', () => {
    expect(lastSequence(MAX_SEQUENCE - 1, 2)).toBe(0);
    expect(inSequence(MAX_SEQUENCE, 0)).toBe(true);
    expect(inSequence(MAX_SEQUENCE - 1, 0)).toBe(false);
    expect(tableAfter(batch(0, 0), batch(0, 1)).check(batch(0, MAX_SEQUENCE))).toMatchObject({
      outcome: 'reject',
    });

    const accepting = new ProducerStateTable('accept');
    const straddling = batch(0, MAX_SEQUENCE - 1, 3);
    expect(straddling.lastSeq).toBe(0);
    accepting.recordAppend(straddling, 0, 2);
    expect(accepting.check(batch(0, 1))).toEqual({ outcome: 'append' });
    expect(accepting.check(batch(0, MAX_SEQUENCE - 1, 3))).toMatchObject({
      outcome: 'duplicate',
      baseOffset: 0,
    });
  });

  it('keeps producers apart', () => {
    const table = tableAfter(batch(0, 0, 3));
    expect(table.check({ producerId: PID + 1, epoch: 0, firstSeq: 0, lastSeq: 0 })).toEqual({
      outcome: 'append',
    });
  });
});
