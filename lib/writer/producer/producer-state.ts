import type { PartitionBatch } from '../transport.ts';
import { MAX_PRODUCER_EPOCH, nextSequence } from './sequence.ts';

/** A producer id and epoch, as InitProducerId answers them. */
export interface ProducerIdentity {
  producerId: bigint;
  epoch: number;
}

/** What a batch is sent with: the identity and the sequence of its first record. */
export interface SequenceLease extends ProducerIdentity {
  firstSequence: number;
}

/** Why a batch cannot be sent yet. */
export type StartDecision = 'send' | 'partition-busy' | 'needs-producer-id';

/** How a failed attempt left the producer. */
export interface AttemptFailure {
  /** Whether this attempt may have appended the batch. */
  mayBeWritten: boolean;
  /** The answer says the broker's idempotence state and ours disagree. */
  renew?: 'bump-epoch' | 'new-producer-id';
}

/** Per batch object: its lease and what its attempts may have done. */
interface BatchProgress {
  key: string;
  lease: SequenceLease | undefined;
  /** Some attempt may have appended it; only its own sequences can resolve that. */
  inDoubt: boolean;
  inFlight: boolean;
  /** The Writer gave up on it; it is released once its request (if any) has answered. */
  abandoned: boolean;
  /** Its partition is free again (acknowledged, failed for good or abandoned). */
  released: boolean;
}

/** Identity of a Writer that is not idempotent: the broker checks nothing. */
const NOT_IDEMPOTENT: SequenceLease = { producerId: -1n, epoch: 0, firstSequence: 0 };

/**
 * The producer's side of Kafka's idempotence (KIP-98, KIP-360), modelled on the Java producer's
 * TransactionManager; decides, never sends. Rules:
 * - One batch owns a partition from its first attempt until it is acknowledged or abandoned, so a
 *   partition's batches go out in order and a retry cannot be overtaken.
 * - A batch keeps its lease (identity and sequences) while it is in doubt: only a retry with the
 *   same sequences lets the broker tell a duplicate from a new batch. A batch that was certainly
 *   not written takes a fresh lease on its next attempt.
 * - Sequences advance when the broker acknowledges, under the identity they were leased from.
 * - A batch abandoned in doubt leaves its partition's sequence unknowable, so the epoch is bumped
 *   (locally, as the Java producer does for idempotent producers: the broker takes a higher epoch
 *   starting at sequence 0) and no later batch can reuse that range. Leases of the old epoch in
 *   doubt elsewhere keep their identity: their partitions have not seen the new epoch yet.
 * - A new producer id (first use, epoch exhausted, epoch fenced) is a barrier: no fresh lease is
 *   handed out until InitProducerId has succeeded.
 */
export class ProducerState {
  private identity: ProducerIdentity | undefined;
  private producerIdRequired: boolean;
  private readonly nextSequences = new Map<string, number>();
  private readonly owners = new Map<string, PartitionBatch>();
  private readonly progress = new WeakMap<PartitionBatch, BatchProgress>();

  constructor(readonly idempotent: boolean) {
    this.producerIdRequired = idempotent;
  }

  /** Whether fresh leases wait for InitProducerId. */
  get needsProducerId(): boolean {
    return this.producerIdRequired;
  }

  /** The identity new batches are leased from (undefined before the first producer id). */
  get currentIdentity(): ProducerIdentity | undefined {
    return this.identity;
  }

  /** Whether `batch` may be sent now. */
  canStart(batch: PartitionBatch): StartDecision {
    const owner = this.owners.get(partitionKey(batch));
    if (owner !== undefined && owner !== batch) return 'partition-busy';
    if (this.producerIdRequired && !this.keepsLease(batch)) return 'needs-producer-id';
    return 'send';
  }

  /** Marks `batch` in flight and returns what it is sent with; canStart must have said 'send'. */
  startAttempt(batch: PartitionBatch): SequenceLease {
    const key = partitionKey(batch);
    this.owners.set(key, batch);
    let progress = this.progress.get(batch);
    if (!progress) {
      progress = {
        key,
        lease: undefined,
        inDoubt: false,
        inFlight: false,
        abandoned: false,
        released: false,
      };
      this.progress.set(batch, progress);
    }
    progress.inFlight = true;
    if (!this.idempotent) return NOT_IDEMPOTENT;
    if (!this.keepsLease(batch)) {
      const identity = this.identity as ProducerIdentity;
      progress.lease = { ...identity, firstSequence: this.nextSequences.get(key) ?? 0 };
    }
    return progress.lease as SequenceLease;
  }

  /** The broker acknowledged `batch`: its partition's sequence moves past it. */
  acknowledged(batch: PartitionBatch): void {
    const progress = this.progress.get(batch);
    if (!progress) return;
    progress.inFlight = false;
    progress.inDoubt = false;
    const lease = progress.lease;
    if (lease && this.identity && sameIdentity(lease, this.identity)) {
      this.nextSequences.set(progress.key, nextSequence(lease.firstSequence, batch.records.length));
    }
    this.release(batch, progress);
  }

  /**
   * An attempt of `batch` failed. Returns whether a retry can still resolve it: false when the
   * batch is in doubt and the broker no longer knows its sequences (it can only be failed, as
   * "may have been written").
   */
  failed(batch: PartitionBatch, failure: AttemptFailure): { resolvable: boolean } {
    const progress = this.progress.get(batch);
    if (!progress) return { resolvable: true };
    progress.inFlight = false;
    if (failure.renew) {
      // The refusal means this attempt appended nothing; an earlier one may have, and the
      // broker can no longer say which: such a batch can only be failed as "may be written".
      this.renew(failure.renew);
      if (progress.inDoubt) {
        this.release(batch, progress);
        return { resolvable: false };
      }
      progress.lease = undefined;
    } else if (failure.mayBeWritten) {
      progress.inDoubt = true;
    } else if (!progress.inDoubt) {
      progress.lease = undefined;
    }
    if (progress.abandoned) this.finish(batch, progress);
    return { resolvable: true };
  }

  /**
   * The Writer gives up on `batch`. Returns whether it may have been written (a request of it is
   * in flight or an attempt ended in doubt). Its partition is freed once no request of it is out.
   */
  abandon(batch: PartitionBatch): { mayBeWritten: boolean } {
    const progress = this.progress.get(batch);
    if (!progress) return { mayBeWritten: false };
    if (progress.inFlight) {
      progress.abandoned = true;
      return { mayBeWritten: true };
    }
    if (!progress.released) this.finish(batch, progress);
    return { mayBeWritten: progress.inDoubt };
  }

  /** InitProducerId succeeded: fresh leases start at sequence 0 under the new identity. */
  adoptProducerId(identity: ProducerIdentity): void {
    this.identity = identity;
    this.producerIdRequired = false;
    this.nextSequences.clear();
  }

  private keepsLease(batch: PartitionBatch): boolean {
    const progress = this.progress.get(batch);
    return progress?.inDoubt === true && progress.lease !== undefined;
  }

  /** Releases a batch that is done; one left in doubt makes its partition's sequence unknowable. */
  private finish(batch: PartitionBatch, progress: BatchProgress): void {
    if (progress.inDoubt && this.idempotent) this.renew('bump-epoch');
    this.release(batch, progress);
  }

  private release(batch: PartitionBatch, progress: BatchProgress): void {
    progress.released = true;
    if (this.owners.get(progress.key) === batch) this.owners.delete(progress.key);
  }

  private renew(how: 'bump-epoch' | 'new-producer-id'): void {
    if (!this.idempotent) return;
    if (how === 'new-producer-id' || !this.identity || this.identity.epoch >= MAX_PRODUCER_EPOCH) {
      this.producerIdRequired = true;
      return;
    }
    this.identity = { producerId: this.identity.producerId, epoch: this.identity.epoch + 1 };
    this.nextSequences.clear();
  }
}

/** A partition's key in the maps above. */
export function partitionKey(batch: { topic: string; partition: number }): string {
  return `${batch.topic}\u0000${batch.partition}`;
}

function sameIdentity(a: ProducerIdentity, b: ProducerIdentity): boolean {
  return a.producerId === b.producerId && a.epoch === b.epoch;
}
