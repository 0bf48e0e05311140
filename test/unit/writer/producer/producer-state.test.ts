import { describe, expect, it } from 'vitest';
import { ProducerState } from '../../../../lib/writer/producer/producer-state.ts';
import { nextSequence } from '../../../../lib/writer/producer/sequence.ts';
import type { PartitionBatch } from '../../../../lib/writer/transport.ts';

const record = { key: null, value: Buffer.from('v'), headers: undefined, timestampMs: 0 };
const batchOf = (count: number, partition = 0, topic = 't'): PartitionBatch => ({
  topic,
  partition,
  records: Array.from({ length: count }, () => record),
});

/** A state with producer id 7, epoch 0, as after a successful InitProducerId. */
function idempotentState(): ProducerState {
  const state = new ProducerState(true);
  state.adoptProducerId({ producerId: 7n, epoch: 0 });
  return state;
}

describe('ProducerState', () => {
  it('hands out no lease before the first producer id, and only after it succeeded', () => {
    const state = new ProducerState(true);
    const batch = batchOf(1);
    expect(state.canStart(batch)).toBe('needs-producer-id');
    state.adoptProducerId({ producerId: 1n, epoch: 0 });
    expect(state.canStart(batch)).toBe('send');
  });

  it('advances a partition sequence only when the broker acknowledges', () => {
    const state = idempotentState();
    const first = batchOf(3);
    expect(state.startAttempt(first)).toEqual({ producerId: 7n, epoch: 0, firstSequence: 0 });
    state.acknowledged(first);
    expect(state.startAttempt(batchOf(2)).firstSequence).toBe(3);
  });

  it('re-sends a batch in doubt with its own sequences', () => {
    const state = idempotentState();
    const batch = batchOf(5);
    const lease = state.startAttempt(batch);
    state.failed(batch, { mayBeWritten: true });
    expect(state.startAttempt(batch)).toEqual(lease);
  });

  it('never lets another batch of the partition go while one is in doubt', () => {
    const state = idempotentState();
    const inDoubt = batchOf(5);
    state.startAttempt(inDoubt);
    state.failed(inDoubt, { mayBeWritten: true });
    expect(state.canStart(batchOf(5))).toBe('partition-busy');
    expect(state.canStart(batchOf(5, 1))).toBe('send');
  });

  it('gives up a batch in doubt by moving to a new epoch, so the next batch cannot reuse its sequence range', () => {
    const state = idempotentState();
    const inDoubt = batchOf(5);
    const lease = state.startAttempt(inDoubt);
    state.failed(inDoubt, { mayBeWritten: true });
    expect(state.abandon(inDoubt)).toEqual({ mayBeWritten: true });

    const next = batchOf(5);
    expect(state.canStart(next)).toBe('send');
    const nextLease = state.startAttempt(next);
    expect(nextLease.epoch).toBe(lease.epoch + 1);
    expect(nextLease.firstSequence).toBe(0);
  });

  it('keeps the old epoch for batches in doubt elsewhere when it moves to a new one', () => {
    const state = idempotentState();
    const elsewhere = batchOf(2, 1);
    const elsewhereLease = state.startAttempt(elsewhere);
    state.failed(elsewhere, { mayBeWritten: true });
    const given = batchOf(2, 0);
    state.startAttempt(given);
    state.failed(given, { mayBeWritten: true });
    state.abandon(given);

    expect(state.startAttempt(elsewhere)).toEqual(elsewhereLease);
    state.acknowledged(elsewhere);
    // Acknowledged under the old epoch: partition 1 starts the new epoch at 0.
    expect(state.startAttempt(batchOf(1, 1))).toMatchObject({ epoch: 1, firstSequence: 0 });
  });

  it('reuses the sequences of a batch that was certainly not written', () => {
    const state = idempotentState();
    const refused = batchOf(4);
    state.startAttempt(refused);
    state.failed(refused, { mayBeWritten: false });
    expect(state.abandon(refused)).toEqual({ mayBeWritten: false });
    expect(state.startAttempt(batchOf(4))).toMatchObject({ epoch: 0, firstSequence: 0 });
  });

  it('keeps a batch in doubt once any attempt may have written it, whatever later attempts say', () => {
    const state = idempotentState();
    const batch = batchOf(1);
    state.startAttempt(batch);
    state.failed(batch, { mayBeWritten: true });
    state.startAttempt(batch);
    state.failed(batch, { mayBeWritten: false });
    expect(state.abandon(batch)).toEqual({ mayBeWritten: true });
  });

  it('fails a batch in doubt that meets a sequence error: a retry can no longer be recognised', () => {
    const state = idempotentState();
    const batch = batchOf(1);
    state.startAttempt(batch);
    state.failed(batch, { mayBeWritten: true });
    state.startAttempt(batch);
    expect(state.failed(batch, { mayBeWritten: false, renew: 'bump-epoch' })).toEqual({ resolvable: false });
    expect(state.abandon(batch)).toEqual({ mayBeWritten: true });
    expect(state.canStart(batchOf(1))).toBe('send');
  });

  it('retries a fresh batch that met a sequence error under the next epoch, from sequence 0', () => {
    const state = idempotentState();
    const earlier = batchOf(3);
    state.startAttempt(earlier);
    state.acknowledged(earlier);
    const batch = batchOf(1);
    state.startAttempt(batch);
    expect(state.failed(batch, { mayBeWritten: false, renew: 'bump-epoch' })).toEqual({ resolvable: true });
    expect(state.startAttempt(batch)).toEqual({ producerId: 7n, epoch: 1, firstSequence: 0 });
  });

  it('waits for a new producer id when the epoch is refused, and lets batches in doubt finish under their own', () => {
    const state = idempotentState();
    const inDoubt = batchOf(1, 1);
    state.startAttempt(inDoubt);
    state.failed(inDoubt, { mayBeWritten: true });
    const fenced = batchOf(1, 0);
    state.startAttempt(fenced);
    state.failed(fenced, { mayBeWritten: false, renew: 'new-producer-id' });

    expect(state.canStart(fenced)).toBe('needs-producer-id');
    expect(state.canStart(inDoubt)).toBe('send');
    state.adoptProducerId({ producerId: 8n, epoch: 0 });
    expect(state.startAttempt(fenced)).toEqual({ producerId: 8n, epoch: 0, firstSequence: 0 });
  });

  it('frees a partition abandoned in flight only when its request answers', () => {
    const state = idempotentState();
    const batch = batchOf(1);
    state.startAttempt(batch);
    expect(state.abandon(batch)).toEqual({ mayBeWritten: true });
    expect(state.canStart(batchOf(1))).toBe('partition-busy');
    state.failed(batch, { mayBeWritten: true });
    const next = batchOf(1);
    expect(state.canStart(next)).toBe('send');
    expect(state.startAttempt(next).epoch).toBe(1);
  });

  it('asks for a new producer id instead of bumping past the highest epoch', () => {
    const state = new ProducerState(true);
    state.adoptProducerId({ producerId: 7n, epoch: 32_767 });
    const inDoubt = batchOf(1);
    state.startAttempt(inDoubt);
    state.failed(inDoubt, { mayBeWritten: true });
    state.abandon(inDoubt);

    expect(state.canStart(batchOf(1))).toBe('needs-producer-id');
    state.adoptProducerId({ producerId: 8n, epoch: 0 });
    expect(state.startAttempt(batchOf(1))).toEqual({ producerId: 8n, epoch: 0, firstSequence: 0 });
  });

  it('wraps sequences to 0 after INT32_MAX, as the broker does', () => {
    expect(nextSequence(2 ** 31 - 2, 1)).toBe(2 ** 31 - 1);
    expect(nextSequence(2 ** 31 - 1, 1)).toBe(0);
    expect(nextSequence(2 ** 31 - 3, 5)).toBe(2);
  });

  it('leases nothing and checks nothing for a Writer that is not idempotent', () => {
    const state = new ProducerState(false);
    const batch = batchOf(2);
    expect(state.canStart(batch)).toBe('send');
    expect(state.startAttempt(batch)).toEqual({ producerId: -1n, epoch: 0, firstSequence: 0 });
    state.failed(batch, { mayBeWritten: true });
    expect(state.abandon(batch)).toEqual({ mayBeWritten: true });
    expect(state.canStart(batchOf(2))).toBe('send');
  });
});
