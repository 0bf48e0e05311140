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

/**
 * Whether a batch may be sent now: `send`; not yet (`partition-busy`, `needs-producer-id`); or
 * never again (`unresolvable`: it is in doubt and its partition's sequences had to start over, so
 * the broker could no longer recognise its retry; the transport fails it as "may be written").
 */
export type StartDecision = 'send' | 'partition-busy' | 'needs-producer-id' | 'unresolvable';

/** How a failed attempt left the producer. */
export interface AttemptFailure {
  /** Whether this attempt may have appended the batch. */
  mayBeWritten: boolean;
  /** The answer says the broker's idempotence state and ours disagree. */
  renew?: 'bump-epoch' | 'new-producer-id';
}

/** The most batches of one partition in flight with idempotence: the broker keeps five. */
export const MAX_IN_FLIGHT_IDEMPOTENT = 5;

/** Per batch object: its lease and what its attempts may have done. */
interface BatchProgress {
  key: string;
  records: number;
  lease: SequenceLease | undefined;
  /** Some attempt may have appended it; only its own sequences can resolve that. */
  inDoubt: boolean;
  inFlight: boolean;
  /** Its request is queued on a connection, so a later batch sent after it goes after it. */
  dispatched: boolean;
  /** The Writer gave up on it; it is released once its request (if any) has answered. */
  abandoned: boolean;
  /** It left its partition's pipeline (acknowledged, failed for good or abandoned). */
  released: boolean;
}

/**
 * One partition's batches from their first attempt until they are released, in the order they
 * started, which is the order of their sequences; and where the partition's sequences stand.
 */
interface PartitionPipeline {
  batches: PartitionBatch[];
  /** What its sequences count under; undefined: start over at 0 under the current identity. */
  identity: ProducerIdentity | undefined;
  nextSequence: number;
  /**
   * The broker acknowledged a batch of this partition under `identity`, so it holds state for
   * it. Until then the partition has one batch in flight: a broker with no state for a producer
   * id takes a batch at any sequence (Kafka 2.5+, KIP-360), so a second batch could be appended
   * while the first was refused (NOT_LEADER_OR_FOLLOWER from a broker just becoming leader),
   * and the first could then never go in ahead of it.
   */
  confirmed: boolean;
}

/** Identity of a Writer that is not idempotent: the broker checks nothing. */
const NOT_IDEMPOTENT: SequenceLease = { producerId: -1n, epoch: 0, firstSequence: 0 };

/**
 * The producer's side of Kafka's idempotence (KIP-98, KIP-360), modelled on the Java producer's
 * TransactionManager and RecordAccumulator; decides, never sends. Rules:
 * - Up to `maxInFlight` batches of a partition are in flight at once, each with the sequences
 *   that follow the previous one's (a pipeline). A batch joins only while every batch ahead of it
 *   is in flight and queued on a connection, so the broker sees them in order, and only once the
 *   broker has acknowledged a batch of the partition under the pipeline's identity: before that
 *   it checks no sequence (KIP-360), and could take a later batch while refusing an earlier one.
 * - A batch keeps its lease (identity and sequences) for every attempt while its partition's
 *   sequences stand: only a retry with the same sequences lets the broker tell a duplicate from a
 *   new batch, and a later batch's sequences already follow it.
 * - A failed batch is retried only at the head of its pipeline, once nothing else of its partition
 *   is in flight; batches behind it wait. Those already sent come back OUT_OF_ORDER_SEQUENCE_NUMBER
 *   (their predecessor is missing): their attempt wrote nothing and they are retried in turn.
 * - A sequence error at the head means the broker's state and ours disagree: the partition's
 *   sequences start over under a new epoch (or a new producer id), as does a partition left with a
 *   gap (a batch given up before its successors, or given up in doubt). Its remaining batches take
 *   fresh leases at the head, one at a time; one in doubt cannot be recognised any more and fails
 *   as "may be written". The epoch is bumped locally, as the Java producer does for idempotent
 *   producers (the broker takes a higher epoch starting at sequence 0).
 * - A partition whose sequences count under an older identity than the current one takes no new
 *   batch until its pipeline is empty; its batches finish under their own identity, which that
 *   partition has not seen replaced.
 * - A new producer id (first use, epoch exhausted, epoch fenced) is a barrier: no fresh lease is
 *   handed out until InitProducerId has succeeded.
 */
export class ProducerState {
  private identity: ProducerIdentity | undefined;
  private producerIdRequired: boolean;
  private readonly pipelines = new Map<string, PartitionPipeline>();
  private readonly progress = new WeakMap<PartitionBatch, BatchProgress>();

  /**
   * @param idempotent whether batches carry a producer id and sequences.
   * @param maxInFlight batches of one partition in flight at once (1..5 with idempotence).
   */
  constructor(
    readonly idempotent: boolean,
    readonly maxInFlight = 1,
  ) {
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      throw new RangeError(`maxInFlight must be a positive integer, not ${maxInFlight}`);
    }
    if (idempotent && maxInFlight > MAX_IN_FLIGHT_IDEMPOTENT) {
      throw new RangeError(`maxInFlight must be at most ${MAX_IN_FLIGHT_IDEMPOTENT} with idempotence`);
    }
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
    const progress = this.progress.get(batch);
    if (progress && !progress.released) return this.canRetry(batch, progress);
    const pipeline = this.pipelines.get(partitionKey(batch));
    if (pipeline && pipeline.batches.length > 0 && !this.takesMore(pipeline)) return 'partition-busy';
    if (this.producerIdRequired) return 'needs-producer-id';
    return 'send';
  }

  /** Marks `batch` in flight and returns what it is sent with; canStart must have said 'send'. */
  startAttempt(batch: PartitionBatch): SequenceLease {
    const key = partitionKey(batch);
    const pipeline = this.pipelineOf(key);
    let progress = this.progress.get(batch);
    if (!progress || progress.released) {
      progress = {
        key,
        records: batch.records.length,
        lease: undefined,
        inDoubt: false,
        inFlight: false,
        dispatched: false,
        abandoned: false,
        released: false,
      };
      this.progress.set(batch, progress);
      pipeline.batches.push(batch);
    }
    progress.inFlight = true;
    progress.dispatched = false;
    if (!this.idempotent) return NOT_IDEMPOTENT;
    if (!this.holdsValidLease(pipeline, progress)) {
      if (pipeline.identity === undefined || !sameIdentity(pipeline.identity, this.identity)) {
        pipeline.identity = this.identity as ProducerIdentity;
        pipeline.nextSequence = 0;
        pipeline.confirmed = false;
      }
      progress.lease = { ...pipeline.identity, firstSequence: pipeline.nextSequence };
      pipeline.nextSequence = nextSequence(pipeline.nextSequence, progress.records);
    }
    return progress.lease as SequenceLease;
  }

  /**
   * The attempt's request is queued on its connection: a later batch of the partition, queued
   * after it on the same connection, reaches the broker after it.
   */
  dispatched(batch: PartitionBatch): void {
    const progress = this.progress.get(batch);
    if (progress?.inFlight) progress.dispatched = true;
  }

  /** The broker acknowledged `batch`: it leaves its partition's pipeline. */
  acknowledged(batch: PartitionBatch): void {
    const progress = this.progress.get(batch);
    if (!progress || progress.released) return;
    progress.inFlight = false;
    progress.inDoubt = false;
    const pipeline = this.pipelineOf(progress.key);
    if (this.holdsValidLease(pipeline, progress)) pipeline.confirmed = true;
    this.release(batch, progress);
  }

  /**
   * An attempt of `batch` failed. Returns whether a retry can still resolve it: false when the
   * batch is in doubt and the broker no longer knows its sequences (it can only be failed, as
   * "may have been written").
   */
  failed(batch: PartitionBatch, failure: AttemptFailure): { resolvable: boolean } {
    const progress = this.progress.get(batch);
    if (!progress || progress.released) return { resolvable: true };
    progress.inFlight = false;
    const pipeline = this.pipelineOf(progress.key);
    if (failure.renew) {
      // Refused before the append. Behind the head, the refusal is explained by a batch ahead that
      // is not in the log yet: this batch keeps its sequences and is retried in turn.
      if (pipeline.batches[0] === batch && this.holdsValidLease(pipeline, progress)) {
        this.startOver(pipeline, failure.renew);
        // An earlier attempt may have appended it, and the broker can no longer say.
        if (progress.inDoubt) {
          this.release(batch, progress);
          return { resolvable: false };
        }
      }
    } else if (failure.mayBeWritten) {
      progress.inDoubt = true;
    }
    if (progress.abandoned) this.finish(batch, progress);
    return { resolvable: true };
  }

  /**
   * The Writer gives up on `batch`. Returns whether it may have been written (a request of it is
   * in flight or an attempt ended in doubt). It leaves its pipeline once no request of it is out.
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
  }

  /** A batch already in the pipeline: its retry goes at the head, alone. */
  private canRetry(batch: PartitionBatch, progress: BatchProgress): StartDecision {
    const pipeline = this.pipelineOf(progress.key);
    if (pipeline.batches[0] !== batch) return 'partition-busy';
    if (pipeline.batches.some((b) => b !== batch && this.progress.get(b)?.inFlight)) return 'partition-busy';
    if (!this.idempotent || this.holdsValidLease(pipeline, progress)) return 'send';
    if (progress.inDoubt) return 'unresolvable';
    if (this.producerIdRequired) return 'needs-producer-id';
    return 'send';
  }

  /** Whether a fresh batch may join a non-empty pipeline behind the batches in it. */
  private takesMore(pipeline: PartitionPipeline): boolean {
    if (pipeline.batches.length >= this.maxInFlight) return false;
    if (this.idempotent && !sameIdentity(pipeline.identity, this.identity)) return false;
    if (this.idempotent && !pipeline.confirmed) return false;
    return pipeline.batches.every((b) => {
      const progress = this.progress.get(b);
      return progress?.inFlight === true && progress.dispatched && !progress.abandoned;
    });
  }

  /** Whether the batch's sequences still count in its partition. */
  private holdsValidLease(pipeline: PartitionPipeline, progress: BatchProgress): boolean {
    return progress.lease !== undefined && sameIdentity(progress.lease, pipeline.identity);
  }

  /**
   * Releases a batch given up without an acknowledgement. A batch that may be in the log, or one
   * whose successors' sequences follow it, leaves a gap the broker would never fill: the
   * partition starts over. The last batch leased and certainly not written just returns its
   * sequences (no request of it is out, nothing after it used them).
   */
  private finish(batch: PartitionBatch, progress: BatchProgress): void {
    const pipeline = this.pipelineOf(progress.key);
    const lease = progress.lease;
    if (this.idempotent && lease && this.holdsValidLease(pipeline, progress)) {
      const isLast = pipeline.nextSequence === nextSequence(lease.firstSequence, progress.records);
      if (!progress.inDoubt && isLast) pipeline.nextSequence = lease.firstSequence;
      else this.startOver(pipeline, 'bump-epoch');
    }
    this.release(batch, progress);
  }

  private release(batch: PartitionBatch, progress: BatchProgress): void {
    progress.released = true;
    const pipeline = this.pipelineOf(progress.key);
    const index = pipeline.batches.indexOf(batch);
    if (index >= 0) pipeline.batches.splice(index, 1);
  }

  /**
   * The partition's sequences start over: under a new epoch if they count under the current
   * identity (a partition still under an older one has never seen the current one, which then
   * starts at 0 there anyway), or under a new producer id.
   */
  private startOver(pipeline: PartitionPipeline, how: 'bump-epoch' | 'new-producer-id'): void {
    if (how === 'new-producer-id') this.producerIdRequired = true;
    else if (sameIdentity(pipeline.identity, this.identity)) this.bumpEpoch();
    pipeline.identity = undefined;
    pipeline.nextSequence = 0;
    pipeline.confirmed = false;
  }

  private bumpEpoch(): void {
    const identity = this.identity;
    if (!identity || identity.epoch >= MAX_PRODUCER_EPOCH) {
      this.producerIdRequired = true;
      return;
    }
    this.identity = { producerId: identity.producerId, epoch: identity.epoch + 1 };
  }

  private pipelineOf(key: string): PartitionPipeline {
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = { batches: [], identity: undefined, nextSequence: 0, confirmed: false };
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }
}

/** A partition's key in the maps above. */
export function partitionKey(batch: { topic: string; partition: number }): string {
  return `${batch.topic}\u0000${batch.partition}`;
}

function sameIdentity(a: ProducerIdentity | undefined, b: ProducerIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.producerId === b.producerId && a.epoch === b.epoch;
}
