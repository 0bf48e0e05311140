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

  it('gives the next batch of a partition the sequences after the previous one', () => {
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

  it('refuses more than five batches in flight per partition with idempotence, and none at all', () => {
    expect(() => new ProducerState(true, 6)).toThrow(/at most 5/);
    expect(() => new ProducerState(false, 0)).toThrow(/positive integer/);
    expect(new ProducerState(false, 50).maxInFlight).toBe(50);
  });
});

/** An idempotent state (producer id 7, epoch 0) pipelining up to `maxInFlight` batches per partition. */
function pipelinedState(maxInFlight = 5): ProducerState {
  const state = new ProducerState(true, maxInFlight);
  state.adoptProducerId({ producerId: 7n, epoch: 0 });
  // The broker acknowledged a first batch (one record, sequence 0) of partitions 0 and 1: it holds
  // state for the producer there and checks sequences, so they may pipeline.
  for (const partition of [0, 1]) {
    const first = batchOf(1, partition);
    state.startAttempt(first);
    state.acknowledged(first);
  }
  return state;
}

/** Starts `batch` (canStart must say 'send') and marks its request queued on its connection. */
function send(state: ProducerState, batch: PartitionBatch) {
  expect(state.canStart(batch)).toBe('send');
  const lease = state.startAttempt(batch);
  state.dispatched(batch);
  return lease;
}

describe('ProducerState with several batches in flight per partition', () => {
  it('leases consecutive sequences to up to maxInFlight batches, each joining once the one ahead is queued', () => {
    const state = pipelinedState(3);
    const [a, b, c, d] = [batchOf(3), batchOf(2), batchOf(4), batchOf(1)];
    expect(state.startAttempt(a).firstSequence).toBe(1);
    // Not queued on a connection yet: b could overtake it.
    expect(state.canStart(b)).toBe('partition-busy');
    state.dispatched(a);
    expect(send(state, b).firstSequence).toBe(4);
    expect(send(state, c).firstSequence).toBe(6);
    expect(state.canStart(d)).toBe('partition-busy');
    expect(state.canStart(batchOf(1, 1))).toBe('send');
    state.acknowledged(a);
    expect(send(state, d)).toEqual({ producerId: 7n, epoch: 0, firstSequence: 10 });
  });

  it('retries a failed head alone, after the batches behind it answered, with its own sequences', () => {
    const state = pipelinedState();
    const [a, b, c] = [batchOf(2), batchOf(2), batchOf(2)];
    const leases = [send(state, a), send(state, b), send(state, c)];
    state.failed(a, { mayBeWritten: false }); // NOT_ENOUGH_REPLICAS: refused before the append
    expect(state.canStart(a)).toBe('partition-busy'); // b and c are still out
    expect(state.canStart(batchOf(2))).toBe('partition-busy'); // nothing new joins behind a failure
    // b and c arrive after a's gap: OUT_OF_ORDER_SEQUENCE_NUMBER, explained by a.
    expect(state.failed(b, { mayBeWritten: false, renew: 'bump-epoch' })).toEqual({ resolvable: true });
    expect(state.failed(c, { mayBeWritten: false, renew: 'bump-epoch' })).toEqual({ resolvable: true });
    expect(state.canStart(b)).toBe('partition-busy'); // not the head

    expect(send(state, a)).toEqual(leases[0]);
    expect(state.canStart(b)).toBe('partition-busy'); // one retry at a time
    state.acknowledged(a);
    expect(send(state, b)).toEqual(leases[1]);
    state.acknowledged(b);
    expect(send(state, c)).toEqual(leases[2]);
    state.acknowledged(c);
    expect(state.currentIdentity).toEqual({ producerId: 7n, epoch: 0 });
    expect(send(state, batchOf(1)).firstSequence).toBe(7);
  });

  it('keeps a batch in doubt behind the head in doubt, and lets it be acknowledged before the head', () => {
    const state = pipelinedState();
    const [a, b] = [batchOf(1), batchOf(1)];
    const leaseA = send(state, a);
    send(state, b);
    state.failed(a, { mayBeWritten: true }); // REQUEST_TIMED_OUT: a may be in the log
    state.acknowledged(b); // ...and it is, since b follows it
    expect(send(state, a)).toEqual(leaseA); // its retry is answered as a duplicate
    state.acknowledged(a);
    expect(send(state, batchOf(1)).firstSequence).toBe(3);
  });

  it('starts a partition over under a new epoch when its head meets a sequence error, re-leasing the batches behind it in order', () => {
    const state = pipelinedState();
    const [a, b] = [batchOf(2), batchOf(3)];
    send(state, a);
    send(state, b);
    // The head's sequence does not follow what the broker has: its state and ours disagree.
    expect(state.failed(a, { mayBeWritten: false, renew: 'bump-epoch' })).toEqual({ resolvable: true });
    expect(state.currentIdentity?.epoch).toBe(1);
    expect(state.canStart(a)).toBe('partition-busy'); // b's request of the old epoch is still out
    state.failed(b, { mayBeWritten: false, renew: 'bump-epoch' });
    expect(state.currentIdentity?.epoch).toBe(1); // b's refusal is explained by a: no second bump

    expect(send(state, a)).toEqual({ producerId: 7n, epoch: 1, firstSequence: 0 });
    expect(state.canStart(batchOf(1))).toBe('partition-busy'); // b goes again before anything new
    state.acknowledged(a);
    expect(send(state, b)).toEqual({ producerId: 7n, epoch: 1, firstSequence: 2 });
    expect(send(state, batchOf(1)).firstSequence).toBe(5);
  });

  it('fails a batch in doubt whose partition started over while it waited: its retry could no longer be recognised', () => {
    const state = pipelinedState();
    const [a, b, c] = [batchOf(1), batchOf(1), batchOf(1)];
    send(state, a);
    send(state, b);
    send(state, c);
    state.failed(a, { mayBeWritten: false, renew: 'bump-epoch' });
    state.failed(b, { mayBeWritten: true }); // its connection dropped: in doubt
    state.failed(c, { mayBeWritten: false, renew: 'bump-epoch' });
    send(state, a);
    state.acknowledged(a);

    expect(state.canStart(b)).toBe('unresolvable');
    expect(state.abandon(b)).toEqual({ mayBeWritten: true });
    // c was never written (a, ahead of it, was not): it takes fresh sequences after a's.
    expect(send(state, c)).toEqual({ producerId: 7n, epoch: 1, firstSequence: 1 });
  });

  it('starts the partition over when a batch is given up ahead of others: the batches behind it take fresh sequences', () => {
    const state = pipelinedState();
    const [a, b, c] = [batchOf(2), batchOf(2), batchOf(2)];
    send(state, a);
    send(state, b);
    send(state, c);
    state.failed(a, { mayBeWritten: false }); // MESSAGE_TOO_LARGE: fails for good, not written
    expect(state.abandon(a)).toEqual({ mayBeWritten: false });
    expect(state.currentIdentity?.epoch).toBe(1); // b's and c's sequences now follow a gap
    state.failed(b, { mayBeWritten: false, renew: 'bump-epoch' });
    expect(state.canStart(b)).toBe('partition-busy'); // c's request is still out
    state.failed(c, { mayBeWritten: false, renew: 'bump-epoch' });

    expect(send(state, b)).toEqual({ producerId: 7n, epoch: 1, firstSequence: 0 });
    state.acknowledged(b);
    expect(send(state, c)).toEqual({ producerId: 7n, epoch: 1, firstSequence: 2 });
    expect(state.currentIdentity?.epoch).toBe(1);
  });

  it('returns the sequences of the last batch leased when it is given up certainly not written', () => {
    const state = pipelinedState();
    const [a, b] = [batchOf(2), batchOf(3)];
    send(state, a);
    send(state, b);
    state.acknowledged(a);
    state.failed(b, { mayBeWritten: false });
    state.abandon(b);
    expect(send(state, batchOf(1))).toEqual({ producerId: 7n, epoch: 0, firstSequence: 3 });
  });

  it('lets nothing join behind a batch given up while its request is out, until that request answers', () => {
    const state = pipelinedState();
    const a = batchOf(1);
    send(state, a);
    expect(state.abandon(a)).toEqual({ mayBeWritten: true });
    expect(state.canStart(batchOf(1))).toBe('partition-busy');
    state.acknowledged(a);
    expect(send(state, batchOf(1))).toEqual({ producerId: 7n, epoch: 0, firstSequence: 2 });
  });

  it('takes no new batch on a partition still finishing batches under the epoch before the current one', () => {
    const state = pipelinedState();
    const older = batchOf(1, 0);
    const olderLease = send(state, older);
    const elsewhere = batchOf(1, 1);
    send(state, elsewhere);
    state.failed(elsewhere, { mayBeWritten: true });
    state.abandon(elsewhere); // in doubt: partition 1 starts over, the epoch moves to 1

    expect(state.currentIdentity?.epoch).toBe(1);
    expect(state.canStart(batchOf(1, 0))).toBe('partition-busy');
    state.failed(older, { mayBeWritten: true });
    expect(send(state, older)).toEqual(olderLease); // its own retry keeps epoch 0
    state.acknowledged(older);
    expect(send(state, batchOf(1, 0))).toEqual({ producerId: 7n, epoch: 1, firstSequence: 0 });
  });

  it('sends a partition one batch at a time until the broker acknowledged one under its identity, again after a start-over', () => {
    // A broker with no state for a producer id takes any sequence (KIP-360): a second batch in
    // flight could be appended while the first is refused, and the first could never go ahead of it.
    const state = new ProducerState(true, 5);
    state.adoptProducerId({ producerId: 7n, epoch: 0 });
    const [a, b] = [batchOf(2), batchOf(2)];
    expect(send(state, a).firstSequence).toBe(0);
    expect(state.canStart(b)).toBe('partition-busy');
    state.failed(a, { mayBeWritten: false }); // NOT_LEADER_OR_FOLLOWER from a broker not yet leader
    expect(state.canStart(b)).toBe('partition-busy');
    expect(send(state, a).firstSequence).toBe(0);
    state.acknowledged(a);
    expect(send(state, b).firstSequence).toBe(2);
    const d = batchOf(1);
    expect(send(state, d).firstSequence).toBe(4); // confirmed: pipelines now
    state.acknowledged(b);
    state.acknowledged(d);

    const elsewhere = batchOf(1, 1);
    send(state, elsewhere);
    expect(state.canStart(batchOf(1, 1))).toBe('partition-busy'); // partition 1 has no answer yet
    state.acknowledged(elsewhere);
    expect(state.canStart(batchOf(1, 1))).toBe('send');

    // A sequence error at the head: partition 0 starts over under epoch 1, which the broker has
    // not seen on it, so it is back to one batch at a time.
    const c = batchOf(1);
    send(state, c);
    state.failed(c, { mayBeWritten: false, renew: 'bump-epoch' });
    expect(send(state, c)).toEqual({ producerId: 7n, epoch: 1, firstSequence: 0 });
    expect(state.canStart(batchOf(1))).toBe('partition-busy');
    state.acknowledged(c);
    expect(state.canStart(batchOf(1))).toBe('send');
  });

  it('keeps a partition pipelining for a Writer that is not idempotent, retrying a failed head once the others answered', () => {
    const state = new ProducerState(false, 2);
    const [a, b] = [batchOf(1), batchOf(1)];
    send(state, a);
    send(state, b);
    state.failed(a, { mayBeWritten: false });
    expect(state.canStart(a)).toBe('partition-busy');
    state.acknowledged(b);
    expect(state.canStart(a)).toBe('send');
  });
});
