import type { Admin, KafkaConfig, LogEntry } from 'kafkajs';
import Cluster, { type InternalBroker, type InternalProtocolRequest } from 'kafkajs/src/cluster/index.js';
// kafkajs' modules rather than its package index, which loads the consumer and admin APIs at
// every cold start; `LEVELS` is the object kafkajs exports as `logLevel`.
import { createLogger, LEVELS as logLevel } from 'kafkajs/src/loggers/index.js';
import socketFactory from 'kafkajs/src/network/socketFactory.js';
import createEosManager, { type EosManager } from 'kafkajs/src/producer/eosManager/index.js';
import { createErrorFromCode } from 'kafkajs/src/protocol/error.js';
import apiKeys from 'kafkajs/src/protocol/requests/apiKeys.js';
import protocol from 'kafkajs/src/protocol/requests/index.js';
import type { Codec } from './codecs/codec.ts';
import { codecFor, toKafkaJsCompressionType } from './codecs/compression.ts';
import type { SaslOptions, TlsOptions, WriterLogger } from './connection-options.ts';
import {
  type CreateTopicOptions,
  type KafkaTransport,
  type PartitionBatch,
  type ProduceOptions,
  type ProduceResult,
  TransportError,
} from './transport.ts';
import { produceRequest } from './wire/kafkajs-produce.ts';
import type { PartitionRecords, TopicRecords } from './wire/produce-request.ts';

/** What the kafkajs transport needs from the Writer's resolved config. */
export interface KafkaJsTransportConfig {
  brokers: string[];
  clientId: string;
  ssl: TlsOptions | undefined;
  sasl: SaslOptions | undefined;
  idempotent: boolean;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  metadataMaxAgeMs: number;
  logger: WriterLogger | undefined;
  /** Told each time connections are (re)opened: the Writer's `dials` stat. */
  onConnect?: () => void;
}

/** One partition batch waiting for the next request to its leader. */
interface PendingBatch {
  batch: PartitionBatch;
  options: ProduceOptions;
  resolve: (result: ProduceResult) => void;
  reject: (error: TransportError) => void;
}

interface DecodedProduceResponse {
  topics: Array<{
    topicName: string;
    partitions: Array<{ partition: number; errorCode: number; baseOffset: string }>;
  }>;
}

/**
 * kafkajs behind the Writer's seam, at the level of its cluster and brokers rather than its
 * producer. Why: kafkajs' producer sends one request per broker but throws on the first partition
 * error, so after a failure nobody knows which partitions of that request were written, and its
 * own retries cannot be bounded by a deadline. Here every produce() call is one partition's batch;
 * the batches handed in during the same turn of the event loop are coalesced into one request per
 * leader broker (as many requests as kafkajs' sendBatch makes), and each partition's answer goes
 * back to its own caller. The Writer does the retrying.
 *
 * kafkajs is frozen upstream at 2.2.4 (pinned exactly), so the internals used here do not move;
 * they are typed in kafkajs-internals.d.ts.
 */
export class KafkaJsTransport implements KafkaTransport {
  private readonly cluster: Cluster;
  private readonly eos: EosManager;
  private readonly kafkaConfig: KafkaConfig;
  private admin: Promise<Admin> | undefined;
  private connecting: Promise<void> | undefined;
  private metadataStale = false;
  private queued: PendingBatch[] = [];
  private sendScheduled = false;
  /** Partitions with a request in flight: one at a time each, so order and sequences hold. */
  private readonly inFlight = new Set<string>();
  /**
   * Idempotent Writers: per partition, the records of a batch whose outcome is unknown (it may
   * have been written). Its retry reuses its sequence numbers, so the broker drops the duplicate;
   * but a different batch must never get them, or the broker would take it for that retry and
   * drop it. So before any other batch of such a partition is sent, the producer id is renewed.
   */
  private readonly unresolved = new Map<string, PartitionBatch['records']>();
  private renewProducerId = false;

  constructor(private readonly config: KafkaJsTransportConfig) {
    const logger = createLogger({
      level: config.logger ? logLevel.WARN : logLevel.NOTHING,
      logCreator: () => (entry: LogEntry) => forwardLog(config.logger, entry),
    });
    this.kafkaConfig = {
      brokers: config.brokers,
      clientId: config.clientId,
      connectionTimeout: config.connectTimeoutMs,
      authenticationTimeout: config.connectTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      retry: { retries: 0 },
      logLevel: config.logger ? logLevel.WARN : logLevel.NOTHING,
      logCreator: () => (entry: LogEntry) => forwardLog(config.logger, entry),
      ...(config.ssl !== undefined ? { ssl: config.ssl } : {}),
      ...(config.sasl !== undefined ? { sasl: config.sasl as KafkaConfig['sasl'] } : {}),
    };
    this.cluster = new Cluster({
      logger,
      socketFactory: socketFactory(),
      brokers: config.brokers,
      ssl: config.ssl,
      sasl: config.sasl,
      clientId: config.clientId,
      connectionTimeout: config.connectTimeoutMs,
      authenticationTimeout: config.connectTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      enforceRequestTimeout: true,
      metadataMaxAge: config.metadataMaxAgeMs,
      // The Writer retries with its own budget and deadline; kafkajs must not retry underneath.
      retry: { retries: 0 },
      // Never let a metadata request create a topic: only allowAutoTopicCreation may.
      allowAutoTopicCreation: false,
      maxInFlightRequests: null,
    });
    this.eos = createEosManager({ logger, cluster: this.cluster, transactional: false });
  }

  connect(): Promise<void> {
    // One shared promise for concurrent callers; dropped on failure so the next call retries.
    this.connecting ??= this.openConnections().then(
      () => this.config.onConnect?.(),
      (error: unknown) => {
        this.connecting = undefined;
        throw toTransportError(error, false);
      },
    );
    return this.connecting;
  }

  async partitions(topic: string, options: { refresh?: boolean } = {}): Promise<number[] | undefined> {
    await this.connect();
    try {
      await this.cluster.addMultipleTargetTopics([topic]);
      if (options.refresh || this.metadataStale) await this.refreshMetadata();
      else await this.cluster.refreshMetadataIfNecessary();
    } catch (error) {
      const failure = toTransportError(error, false);
      if (failure.kind === 'unknown-topic') return undefined;
      throw failure;
    }
    const ids = this.cluster
      .findTopicPartitionMetadata(topic)
      .map((p) => p.partitionId)
      .sort((a, b) => a - b);
    return ids.length > 0 ? ids : undefined;
  }

  async createTopic(topic: string, options: CreateTopicOptions): Promise<void> {
    const admin = await this.adminClient();
    try {
      await admin.createTopics({
        topics: [
          { topic, numPartitions: options.numPartitions, replicationFactor: options.replicationFactor },
        ],
        waitForLeaders: true,
        timeout: options.timeoutMs,
      });
    } catch (error) {
      const failure = toTransportError(error, false);
      // Another writer created it first: that is what we wanted.
      if (failure.code !== 'TOPIC_ALREADY_EXISTS') throw failure;
    }
    this.metadataStale = true;
  }

  produce(batch: PartitionBatch, options: ProduceOptions): Promise<ProduceResult> {
    return new Promise<ProduceResult>((resolve, reject) => {
      this.queued.push({ batch, options, resolve, reject });
      this.scheduleSend();
    });
  }

  async disconnect(): Promise<void> {
    this.connecting = undefined;
    const admin = this.admin;
    this.admin = undefined;
    await Promise.allSettled([this.cluster.disconnect(), admin?.then((a) => a.disconnect())]);
  }

  private async openConnections(): Promise<void> {
    await this.cluster.connect();
    if (this.config.idempotent && !this.eos.isInitialized()) await this.eos.initProducerId();
  }

  private adminClient(): Promise<Admin> {
    // Only topic creation needs an admin client; most Writers never open one.
    this.admin ??= (async () => {
      let admin: Admin;
      try {
        // Loaded here, not at the top: only Writers that create topics need kafkajs' index.
        const { Kafka } = (await import('kafkajs')).default;
        admin = new Kafka(this.kafkaConfig).admin({ retry: { retries: 0 } });
        await admin.connect();
      } catch (error) {
        this.admin = undefined;
        throw toTransportError(error, false);
      }
      return admin;
    })();
    return this.admin;
  }

  private async refreshMetadata(): Promise<void> {
    this.metadataStale = false;
    try {
      await this.cluster.refreshMetadata();
    } catch (error) {
      this.metadataStale = true;
      throw error;
    }
  }

  /** Batches produced in the same turn of the event loop travel together. */
  private scheduleSend(): void {
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    setImmediate(() => {
      this.sendScheduled = false;
      void this.sendQueued();
    });
  }

  private async sendQueued(): Promise<void> {
    const ready: PendingBatch[] = [];
    const later: PendingBatch[] = [];
    for (const pending of this.queued) {
      const key = partitionKey(pending.batch);
      if (this.inFlight.has(key)) later.push(pending);
      else {
        this.inFlight.add(key);
        ready.push(pending);
      }
    }
    this.queued = later;
    if (ready.length === 0) return;
    try {
      await this.sendNow(ready);
    } catch (error) {
      // Nothing may be left hanging: callers not yet answered get the error.
      const failure = error instanceof TransportError ? error : toTransportError(error, false);
      for (const pending of ready) pending.reject(failure);
    } finally {
      for (const pending of ready) this.inFlight.delete(partitionKey(pending.batch));
      if (this.queued.length > 0) this.scheduleSend();
    }
  }

  private async sendNow(ready: PendingBatch[]): Promise<void> {
    try {
      await this.connect();
      if (this.metadataStale) await this.refreshMetadata();
      else await this.cluster.refreshMetadataIfNecessary();
      if (this.config.idempotent) await this.resolveSequences(ready);
    } catch (error) {
      const failure = error instanceof TransportError ? error : toTransportError(error, false);
      for (const pending of ready) pending.reject(failure);
      return;
    }
    const byRequest = new Map<string, PendingBatch[]>();
    for (const pending of ready) {
      const leader = this.leaderOf(pending.batch);
      if (leader === undefined) {
        this.metadataStale = true;
        pending.reject(
          new TransportError(
            `no leader known for ${pending.batch.topic}/${pending.batch.partition}`,
            'retriable',
            'LEADER_NOT_AVAILABLE',
            false,
          ),
        );
        continue;
      }
      const { acks, timeoutMs, compression } = pending.options;
      const key = `${leader}|${acks}|${timeoutMs}|${compression}`;
      const group = byRequest.get(key);
      if (group) group.push(pending);
      else byRequest.set(key, [pending]);
    }
    await Promise.all(
      [...byRequest.values()].map((group) =>
        this.sendToLeader(this.leaderOf((group[0] as PendingBatch).batch) as number, group),
      ),
    );
  }

  /**
   * Renews the producer id (sequences restart at 0) when a batch other than the unresolved one
   * is about to use a partition's sequence numbers, or when the broker rejected our sequences.
   * Retries of unresolved batches sent under the new id may then duplicate them: a duplicate,
   * never a loss.
   */
  private async resolveSequences(ready: PendingBatch[]): Promise<void> {
    for (const { batch } of ready) {
      const pending = this.unresolved.get(partitionKey(batch));
      if (pending !== undefined && pending !== batch.records) this.renewProducerId = true;
    }
    if (!this.renewProducerId) return;
    this.renewProducerId = false;
    this.unresolved.clear();
    await this.eos.initProducerId();
  }

  private leaderOf(batch: PartitionBatch): number | undefined {
    const metadata = this.cluster
      .findTopicPartitionMetadata(batch.topic)
      .find((p) => p.partitionId === batch.partition);
    return metadata && metadata.leader >= 0 ? metadata.leader : undefined;
  }

  /** One produce request to one leader; never rejects: every caller gets an answer. */
  private async sendToLeader(leader: number, group: PendingBatch[]): Promise<void> {
    try {
      await this.requestLeader(leader, group);
    } catch (error) {
      // Promises settle once, so this only reaches callers not yet answered.
      const failure = error instanceof TransportError ? error : toTransportError(error, true);
      for (const pending of group) pending.reject(failure);
    }
  }

  /** One produce request to one leader; each partition's answer goes to its own caller. */
  private async requestLeader(leader: number, group: PendingBatch[]): Promise<void> {
    const options = (group[0] as PendingBatch).options;
    let broker: InternalBroker;
    let codec: Codec | undefined;
    try {
      if (options.compression !== 'none') codec = await codecFor(options.compression);
      broker = await this.cluster.findBroker({ nodeId: leader });
    } catch (error) {
      this.metadataStale = true;
      const failure = toTransportError(error, false);
      for (const pending of group) pending.reject(failure);
      return;
    }

    const producerId = this.eos.getProducerId();
    const request = produceRequest(
      broker.lookupRequest(apiKeys.Produce, protocol.requests.Produce),
      {
        acks: options.acks,
        timeoutMs: options.timeoutMs,
        producerId: BigInt(String(producerId)),
        producerEpoch: this.eos.getProducerEpoch(),
        topics: toTopicRecords(group, this.eos),
      },
      codec && { kafkaJsType: toKafkaJsCompressionType(options.compression), codec: codec.compress },
    );
    // kafkajs' parse throws on the first partition error, hiding which partitions were written;
    // keep the decoded answer and judge every partition on its own.
    const keepEveryAnswer: InternalProtocolRequest = {
      ...request,
      response: { ...request.response, parse: async (decoded: unknown) => decoded },
    };

    let response: DecodedProduceResponse | undefined;
    try {
      response = (await broker.connectionPool.send(keepEveryAnswer)) as DecodedProduceResponse | undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'KafkaJSConnectionClosedError') await broker.disconnect();
      this.metadataStale = true;
      const failure = toTransportError(error, true);
      for (const pending of group) this.settleFailure(pending, failure);
      return;
    }

    for (const pending of group) {
      const { topic, partition, records } = pending.batch;
      if (options.acks === 0 || !response) {
        pending.resolve({ baseOffset: '-1' });
        continue;
      }
      const answer = response.topics
        .find((t) => t.topicName === topic)
        ?.partitions.find((p) => p.partition === partition);
      if (!answer) {
        pending.reject(
          new TransportError(`no answer for ${topic}/${partition}`, 'retriable', 'MISSING_ANSWER', true),
        );
      } else if (answer.errorCode === 0) {
        // Under a renewed producer id the old sequences no longer count.
        if (this.eos.getProducerId() === producerId)
          this.eos.updateSequence(topic, partition, records.length);
        this.unresolved.delete(partitionKey(pending.batch));
        pending.resolve({ baseOffset: answer.baseOffset });
      } else {
        const failure = toTransportError(createErrorFromCode(answer.errorCode), true);
        if (STALE_METADATA_TYPES.has(failure.code)) this.metadataStale = true;
        if (SEQUENCE_RESET_TYPES.has(failure.code)) this.renewProducerId = true;
        this.settleFailure(pending, failure);
      }
    }
  }

  /** Rejects a batch; one that may have been written keeps its partition's sequences reserved. */
  private settleFailure(pending: PendingBatch, failure: TransportError): void {
    const key = partitionKey(pending.batch);
    // A definite refusal does not clear an earlier attempt's "may have been written".
    if (this.config.idempotent && failure.maybeWritten) this.unresolved.set(key, pending.batch.records);
    pending.reject(failure);
  }
}

function partitionKey(batch: PartitionBatch): string {
  return `${batch.topic}\u0000${batch.partition}`;
}

/** The group's batches by topic, each with the sequence its first record takes. */
function toTopicRecords(group: PendingBatch[], eos: EosManager): TopicRecords[] {
  const byTopic = new Map<string, PartitionRecords[]>();
  for (const { batch } of group) {
    let partitions = byTopic.get(batch.topic);
    if (!partitions) {
      partitions = [];
      byTopic.set(batch.topic, partitions);
    }
    partitions.push({
      partition: batch.partition,
      // Sequences only advance on success, so a retry reuses them and the broker drops a
      // duplicate of a batch that had landed (idempotent Writers; 0 otherwise).
      firstSequence: eos.getSequence(batch.topic, batch.partition),
      records: batch.records,
    });
  }
  return [...byTopic.entries()].map(([topic, partitions]) => ({ topic, partitions }));
}

interface KafkaJsErrorLike {
  name?: string;
  type?: string;
  code?: string;
  message?: string;
  retriable?: boolean;
  originalError?: unknown;
  cause?: unknown;
}

/** kafkajs errors that only wrap another one. */
const WRAPPER_NAMES = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSNonRetriableError']);
/** kafkajs error types that mean "the topic or partition is not known to the cluster". */
const UNKNOWN_TOPIC_TYPES = new Set(['UNKNOWN_TOPIC_OR_PARTITION']);
/** kafkajs error types for a batch the broker will not take because of its size. */
const TOO_LARGE_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
/** Protocol errors that clear up after a metadata refresh, whatever kafkajs' flag says. */
const TRANSIENT_TYPES = new Set([
  // kafkajs 2.2.4 names error 6 NOT_LEADER_FOR_PARTITION; Kafka itself now says NOT_LEADER_OR_FOLLOWER.
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'NOT_ENOUGH_REPLICAS',
  // Idempotence state the broker no longer recognises: cleared by a new producer id (below).
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
]);
/** Answers meaning our picture of the cluster is out of date. */
const STALE_METADATA_TYPES = new Set([
  ...UNKNOWN_TOPIC_TYPES,
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
]);
/** Answers meaning the broker's idempotence state and ours disagree: start a new producer id. */
const SEQUENCE_RESET_TYPES = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
]);
/** Protocol errors sent after the leader had appended the batch (replication fell short). */
const WRITTEN_THEN_FAILED_TYPES = new Set(['NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'REQUEST_TIMED_OUT']);
/** Network errors raised before any byte of a request could leave. */
const NEVER_SENT_PATTERN = /ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|ENETUNREACH/;

/**
 * Classifies a kafkajs error. `requestSent` says whether a produce request may have reached
 * the broker; a refused connection or a broker's error answer means it was not written.
 */
export function toTransportError(error: unknown, requestSent: boolean): TransportError {
  const e = unwrap(error);
  const name = e.name ?? 'Error';
  const code = e.type ?? name;
  const message = e.message ?? String(error);
  if (name === 'KafkaJSSASLAuthenticationError' || code === 'SASL_AUTHENTICATION_FAILED') {
    return new TransportError(message, 'authentication', code, false, { cause: error });
  }
  if (UNKNOWN_TOPIC_TYPES.has(code)) {
    return new TransportError(message, 'unknown-topic', code, false, { cause: error });
  }
  if (TOO_LARGE_TYPES.has(code)) {
    return new TransportError(message, 'too-large', code, false, { cause: error });
  }
  const retriable =
    e.retriable === true ||
    TRANSIENT_TYPES.has(code) ||
    name === 'KafkaJSConnectionError' ||
    name === 'KafkaJSConnectionClosedError' ||
    name === 'KafkaJSRequestTimeoutError' ||
    name === 'KafkaJSMetadataNotLoaded' ||
    name === 'KafkaJSTopicMetadataNotLoaded' ||
    name === 'KafkaJSBrokerNotFound' ||
    name === 'KafkaJSNoBrokerAvailableError' ||
    name === 'KafkaJSLockTimeout';
  const kind = retriable ? 'retriable' : 'fatal';
  if (NEVER_SENT_PATTERN.test(`${e.code ?? ''} ${message}`)) {
    return new TransportError(message, kind, code, false, { cause: error });
  }
  const isAnswer = name === 'KafkaJSProtocolError' || e.type !== undefined;
  const maybeWritten = requestSent && (!isAnswer || WRITTEN_THEN_FAILED_TYPES.has(code));
  return new TransportError(message, kind, code, maybeWritten, { cause: error });
}

function unwrap(error: unknown): KafkaJsErrorLike {
  let current = error as KafkaJsErrorLike;
  // kafkajs' retrier wraps the failure it gave up on (even with retries: 0); the wrapped error
  // carries the real type and retriability.
  for (let depth = 0; depth < 5 && WRAPPER_NAMES.has(current?.name ?? ''); depth++) {
    const inner = (current.originalError ?? current.cause) as KafkaJsErrorLike | undefined;
    if (!inner || typeof inner !== 'object') break;
    current = inner;
  }
  return current ?? {};
}

function forwardLog(logger: WriterLogger | undefined, entry: LogEntry): void {
  if (!logger) return;
  const { message, ...fields } = entry.log;
  const text = `kafkajs ${entry.namespace}: ${message}`;
  if (entry.level === logLevel.ERROR) logger.error(text, fields);
  else if (entry.level === logLevel.WARN) logger.warn(text, fields);
  else if (entry.level === logLevel.INFO) logger.info(text, fields);
  else logger.debug(text, fields);
}
