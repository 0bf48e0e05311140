import type { Compression } from './codecs/compression.ts';
import type { RequiredAcks } from './required-acks.ts';

/**
 * The seam between the Writer and a Kafka client library. The Writer decides partitions,
 * batches, retries and deadlines; a transport only moves one partition's batch and answers
 * metadata questions. kafkajs is frozen upstream, so keeping it behind this interface means a
 * second client can replace it without touching Writer semantics.
 */
export interface KafkaTransport {
  /** Opens connections; safe to call again after a failure. */
  connect(): Promise<void>;
  /** Partition ids of a topic (ascending), or `undefined` if the topic does not exist. */
  partitions(topic: string, options?: { refresh?: boolean }): Promise<number[] | undefined>;
  /** Creates a topic; resolves once it has leaders. An existing topic is not an error. */
  createTopic(topic: string, options: CreateTopicOptions): Promise<void>;
  /**
   * Writes one partition's records in one request; rejects with a TransportError. A retry passes
   * the same `batch` object again: an idempotent transport re-sends it with its own sequence
   * numbers, so the broker can tell a duplicate from a new batch. Up to `maxInFlightPerPartition`
   * batches of one partition may be handed in before the first answers: the transport writes
   * them in the order it received them.
   */
  produce(batch: PartitionBatch, options: ProduceOptions): Promise<ProduceResult>;
  /**
   * The Writer gives up on `batch` (attempts spent, aborted, deadline). A batch still queued is
   * dropped; the answer says whether it may have been written. Without this method the Writer
   * judges from the errors it saw.
   */
  abandon?(batch: PartitionBatch): { mayBeWritten: boolean };
  /** Closes connections. */
  disconnect(): Promise<void>;
}

export interface CreateTopicOptions {
  numPartitions: number;
  replicationFactor: number;
  timeoutMs: number;
}

export interface ProduceOptions {
  acks: RequiredAcks;
  timeoutMs: number;
  compression: Compression;
}

/** A record as it goes on the wire. */
export interface WireRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]> | undefined;
  timestampMs: number;
}

export interface PartitionBatch {
  topic: string;
  partition: number;
  records: WireRecord[];
  /** Key + value + header bytes of the records, as batchBytes counts them; estimated when absent. */
  bytes?: number;
}

export interface ProduceResult {
  /** Offset of the batch's first record; `-1` when acks=None (the broker answers nothing). */
  baseOffset: string;
}

/** What a transport failure means to the Writer, independent of the client library. */
export type TransportErrorKind =
  /** Leader moved, broker restarted, connection closed or timed out: retry after a refresh. */
  | 'retriable'
  /** The topic or partition is unknown to the cluster. */
  | 'unknown-topic'
  /** Credentials rejected: fail fast, the caller may refresh its secret. */
  | 'authentication'
  /** The broker says the batch is too large. */
  | 'too-large'
  /** Anything else the broker refuses (authorization, invalid record, ...). */
  | 'fatal';

/** An error from a transport, classified for the Writer's retry loop. */
export class TransportError extends Error {
  /** The broker (host:port) the failure came from, when the client says; for logs. */
  readonly broker?: string;

  constructor(
    message: string,
    readonly kind: TransportErrorKind,
    /** The client's error code or name, for logs and users (e.g. NOT_LEADER_OR_FOLLOWER). */
    readonly code: string,
    /** Whether the request may have reached the broker (and so may have been written). */
    readonly maybeWritten: boolean,
    options?: { cause?: unknown; broker?: string },
  ) {
    super(message, options);
    this.name = 'TransportError';
    if (options?.broker !== undefined) this.broker = options.broker;
  }

  get retriable(): boolean {
    return this.kind === 'retriable';
  }
}
