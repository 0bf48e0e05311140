import type { Admin, KafkaConfig, LogEntry } from 'kafkajs';
import Cluster, { type InternalBroker } from 'kafkajs/src/cluster/index.js';
// kafkajs' modules rather than its package index, which loads the consumer and admin APIs at
// every cold start; `LEVELS` is the object kafkajs exports as `logLevel`.
import { createLogger, LEVELS as logLevel } from 'kafkajs/src/loggers/index.js';
import apiKeys from 'kafkajs/src/protocol/requests/apiKeys.js';
import protocol from 'kafkajs/src/protocol/requests/index.js';
import type { Codec } from './codecs/codec.ts';
import { codecFor, toKafkaJsCompressionType } from './codecs/compression.ts';
import type { SaslOptions, TlsOptions, WriterLogger } from './connection-options.ts';
import { metadataError, produceAnswerError, toTransportError } from './kafkajs-errors.ts';
import { closeNow, fetchMetadata, initProducerId, sendProduce } from './kafkajs-requests.ts';
import { MetadataTable } from './metadata/metadata-table.ts';
import { WRITER_DEFAULTS, type WriterConfig } from './options.ts';
import { produceErrorRule } from './producer/produce-errors.ts';
import { ProducerState, partitionKey, type SequenceLease } from './producer/producer-state.ts';
import { batchBytes, splitByBytes } from './request-split.ts';
import { kafkaSocketFactory } from './socket-factory.ts';
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
  /** Batches of one partition in flight at once (ProducerState keeps their order). @default 1 */
  maxInFlightPerPartition?: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  metadataMaxAgeMs: number;
  logger: WriterLogger | undefined;
  /** Told each time connections are (re)opened: the Writer's `dials` stat. */
  onConnect?: () => void;
  /** Batch bytes one Produce request carries at most (request-split.ts). @default 491520 */
  maxRequestBytes?: number;
}

/**
 * The transport's settings from a Writer's resolved config, in one place for the Writer and for
 * tests that put a recorder in front of the real transport. The client-side request timeout
 * outlasts the broker-side ack timeout so the broker's answer wins.
 */
export function transportConfigFrom(config: WriterConfig, onConnect?: () => void): KafkaJsTransportConfig {
  return {
    brokers: config.brokers,
    clientId: config.clientId,
    ssl: config.ssl,
    sasl: config.sasl,
    idempotent: config.idempotent,
    maxInFlightPerPartition: config.maxInFlightPerPartition,
    maxRequestBytes: config.maxRequestBytes,
    connectTimeoutMs: config.connectTimeoutMs,
    requestTimeoutMs: config.writeTimeoutMs + 5_000,
    metadataMaxAgeMs: config.metadataMaxAgeMs,
    logger: config.logger,
    ...(onConnect ? { onConnect } : {}),
  };
}

/** One attempt of a partition batch, from produce() until its answer. */
interface PendingBatch {
  batch: PartitionBatch;
  options: ProduceOptions;
  lease?: SequenceLease;
  settled: boolean;
  resolve: (result: ProduceResult) => void;
  reject: (error: TransportError) => void;
}

interface DecodedProduceResponse {
  topics: Array<{
    topicName: string;
    partitions: Array<{ partition: number; errorCode: number; baseOffset: string }>;
  }>;
}

/** Kafka answers a retry of a batch it already has, but no longer caches, with this code. */
const DUPLICATE_SEQUENCE_NUMBER = 46;

/**
 * kafkajs behind the Writer's seam, at the level of its broker connections; this module moves
 * bytes, ProducerState (producer/) decides sequences and what each answer means, MetadataTable
 * (metadata/) keeps the cluster's topics with their errors. Every produce() call is one
 * partition's batch; the batches handed in during one turn of the event loop are coalesced into
 * requests per leader of at most `maxRequestBytes` (request-split.ts; one batch per partition in a
 * request), and each partition's answer goes back to its own caller. A partition's next batch
 * may follow once the request ahead of it is queued on its connection (ProducerState decides how
 * many, and what a failure means to the ones behind it). The Writer does the retrying.
 *
 * kafkajs is frozen upstream at 2.2.4 (pinned exactly), so the internals used here do not move;
 * they are typed in kafkajs-internals.d.ts.
 */
export class KafkaJsTransport implements KafkaTransport {
  private readonly cluster: Cluster;
  private readonly state: ProducerState;
  private readonly metadata = new MetadataTable();
  private readonly kafkaConfig: KafkaConfig;
  private admin: Promise<Admin> | undefined;
  private connecting: Promise<void> | undefined;
  private refreshing: Promise<void> | undefined;
  private producerIdInit: Promise<void> | undefined;
  /** A refresh is due (an answer said the picture is stale); sends do not wait for it. */
  private metadataStale = false;
  /** Partitions whose leader an answer put in doubt: their sends wait for the next refresh. */
  private readonly distrustedLeaders = new Set<string>();
  private closed = false;
  private queued: PendingBatch[] = [];
  private sendScheduled = false;
  private readonly maxRequestBytes: number;

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
      socketFactory: kafkaSocketFactory(),
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
      allowAutoTopicCreation: false,
      maxInFlightRequests: null,
    });
    this.state = new ProducerState(config.idempotent, config.maxInFlightPerPartition ?? 1);
    this.maxRequestBytes = config.maxRequestBytes ?? WRITER_DEFAULTS.maxRequestBytes;
  }

  /** Opens connections and, for an idempotent Writer, gets its producer id. */
  async connect(): Promise<void> {
    await this.openConnections();
    if (this.state.needsProducerId) await this.ensureProducerId();
  }

  async partitions(topic: string, options: { refresh?: boolean } = {}): Promise<number[] | undefined> {
    await this.connect();
    this.metadata.want(topic);
    // A topic the table knows is answered from it; an old table is refreshed in the background,
    // so a broker that answers nothing cannot hold up writes that need no new metadata.
    if (options.refresh || this.metadata.view(topic).state !== 'ready') await this.refreshMetadata(topic);
    else if (this.refreshDue()) this.refreshInBackground();
    const view = this.metadata.view(topic);
    if (view.state === 'absent') return undefined;
    if (view.state === 'unasked') throw metadataError(5, `topic ${topic} not in the metadata yet`);
    if (view.state === 'error') throw metadataError(view.errorCode, `topic ${topic}`);
    return view.partitions;
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
    if (this.closed) return Promise.reject(closedError());
    return new Promise<ProduceResult>((resolve, reject) => {
      this.queued.push({ batch, options, settled: false, resolve, reject });
      this.scheduleSend();
    });
  }

  abandon(batch: PartitionBatch): { mayBeWritten: boolean } {
    // A batch still waiting for its partition or a producer id is never sent.
    this.queued = this.queued.filter((pending) => pending.batch !== batch);
    const outcome = this.state.abandon(batch);
    this.scheduleSend();
    return outcome;
  }

  async disconnect(): Promise<void> {
    this.closed = true;
    for (const pending of this.queued) this.settleFailure(pending, closedError());
    this.queued = [];
    this.connecting = undefined;
    const admin = this.admin;
    this.admin = undefined;
    // The Writer flushed or gave up first: nothing still in flight is waited for.
    const pool = this.cluster.brokerPool;
    const brokers = new Set([...Object.values(pool.brokers), ...(pool.seedBroker ? [pool.seedBroker] : [])]);
    await Promise.allSettled([...brokers].map((broker) => closeNow(broker)));
    await Promise.allSettled([this.cluster.disconnect(), admin?.then((a) => a.disconnect())]);
    this.metadata.clear();
  }

  private openConnections(): Promise<void> {
    // Nothing reconnects after disconnect(): a Writer that was closed stays closed.
    if (this.closed) return Promise.reject(closedError());
    // One shared promise for concurrent callers; dropped on failure so the next call retries.
    this.connecting ??= this.cluster.connect().then(
      () => this.config.onConnect?.(),
      (error: unknown) => {
        this.connecting = undefined;
        throw toTransportError(error, false);
      },
    );
    return this.connecting;
  }

  private adminClient(): Promise<Admin> {
    if (this.closed) return Promise.reject(closedError());
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

  /** One Metadata request at a time; a caller whose topic the running one lacks asks again. */
  private async refreshMetadata(topic?: string): Promise<void> {
    const running = this.refreshing;
    if (running) {
      await running.catch(() => undefined);
      if (topic === undefined || this.metadata.view(topic).state !== 'unasked') return;
    }
    this.refreshing ??= (async () => {
      this.metadataStale = false;
      try {
        const targets = this.metadata.targets;
        this.metadata.update(targets, await fetchMetadata(this.cluster.brokerPool, targets));
        this.distrustedLeaders.clear();
      } catch (error) {
        this.metadataStale = true;
        throw toTransportError(error, false);
      } finally {
        this.refreshing = undefined;
      }
    })();
    await this.refreshing;
  }

  private refreshDue(): boolean {
    return this.metadataStale || this.metadata.isOlderThan(this.config.metadataMaxAgeMs);
  }

  private refreshInBackground(): void {
    this.refreshMetadata().catch(() => undefined);
  }

  /** Marks partitions whose leader is in doubt after a failed request or a stale answer. */
  private distrust(batches: readonly PendingBatch[]): void {
    this.metadataStale = true;
    for (const { batch } of batches) this.distrustedLeaders.add(partitionKey(batch));
  }

  /**
   * The barrier before any fresh lease: one InitProducerId at a time, and the producer state
   * leaves "needs a producer id" only once it has succeeded.
   */
  private ensureProducerId(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    this.producerIdInit ??= initProducerId(this.cluster.brokerPool, this.config.requestTimeoutMs)
      .then((identity) => this.state.adoptProducerId(identity))
      .catch((error: unknown) => {
        throw toTransportError(error, false);
      })
      .finally(() => {
        this.producerIdInit = undefined;
      });
    return this.producerIdInit;
  }

  /** Batches produced in the same turn of the event loop travel together. */
  private scheduleSend(): void {
    if (this.sendScheduled || this.queued.length === 0) return;
    this.sendScheduled = true;
    setImmediate(() => {
      this.sendScheduled = false;
      this.sendQueued();
    });
  }

  private sendQueued(): void {
    const ready: PendingBatch[] = [];
    const waiting: PendingBatch[] = [];
    let needsProducerId = false;
    for (const pending of this.queued) {
      const decision = this.state.canStart(pending.batch);
      if (decision === 'send') {
        pending.lease = this.state.startAttempt(pending.batch);
        ready.push(pending);
      } else if (decision === 'unresolvable') {
        // Given up here, at once, so the batches behind it in its partition go on.
        this.state.abandon(pending.batch);
        pending.settled = true;
        pending.reject(unresolvableAfterReset());
      } else {
        needsProducerId ||= decision === 'needs-producer-id';
        waiting.push(pending);
      }
    }
    this.queued = waiting;
    if (needsProducerId) this.renewProducerId();
    if (ready.length > 0) void this.sendNow(ready);
  }

  /** Gets a producer id for the batches waiting on one; if that fails, their retries back off. */
  private renewProducerId(): void {
    if (this.producerIdInit) return;
    this.connect().then(
      () => this.scheduleSend(),
      (error: unknown) => {
        const failure = toTransportError(error, false);
        const still: PendingBatch[] = [];
        for (const pending of this.queued) {
          if (this.state.canStart(pending.batch) === 'needs-producer-id') pending.reject(failure);
          else still.push(pending);
        }
        this.queued = still;
      },
    );
  }

  private async sendNow(ready: PendingBatch[]): Promise<void> {
    try {
      await this.openConnections();
      // Only batches whose leader is unknown or in doubt wait for metadata; the others go to the
      // leader the table names while an old table is refreshed in the background.
      const mustWait = ready.some(({ batch }) => {
        if (this.distrustedLeaders.has(partitionKey(batch))) return true;
        return 'errorCode' in this.metadata.leaderOf(batch.topic, batch.partition);
      });
      if (mustWait) await this.refreshMetadata();
      else if (this.refreshDue()) this.refreshInBackground();
    } catch (error) {
      const failure = toTransportError(error, false);
      for (const pending of ready) this.settleFailure(pending, failure);
      return;
    }
    const byRequest = new Map<string, { leader: number; group: PendingBatch[] }>();
    for (const pending of ready) {
      const { topic, partition } = pending.batch;
      const found = this.metadata.leaderOf(topic, partition);
      if ('errorCode' in found) {
        this.distrust([pending]);
        this.settleFailure(pending, metadataError(found.errorCode, `${topic}/${partition}`));
        continue;
      }
      const { acks, timeoutMs, compression } = pending.options;
      const lease = pending.lease as SequenceLease;
      // One request carries one producer identity; an old epoch's retry travels on its own.
      const key = `${found.leader}|${acks}|${timeoutMs}|${compression}|${lease.producerId}|${lease.epoch}`;
      const entry = byRequest.get(key);
      if (entry) entry.group.push(pending);
      else byRequest.set(key, { leader: found.leader, group: [pending] });
    }
    const requests: Array<Promise<void>> = [];
    for (const { leader, group } of byRequest.values()) {
      for (const run of splitByBytes(group, ({ batch }) => batchBytes(batch), this.maxRequestBytes)) {
        requests.push(this.requestLeader(leader, run));
      }
    }
    await Promise.all(requests);
  }

  /** One produce request to one leader; each partition's answer goes to its own caller. */
  private async requestLeader(leader: number, group: PendingBatch[]): Promise<void> {
    const first = group[0] as PendingBatch;
    const { acks, timeoutMs, compression } = first.options;
    const lease = first.lease as SequenceLease;
    let broker: InternalBroker;
    let codec: Codec | undefined;
    try {
      if (compression !== 'none') codec = await codecFor(compression);
      broker = await this.cluster.findBroker({ nodeId: leader });
    } catch (error) {
      this.distrust(group);
      const failure = toTransportError(error, false);
      for (const pending of group) this.settleFailure(pending, failure);
      return;
    }
    const request = produceRequest(
      broker.lookupRequest(apiKeys.Produce, protocol.requests.Produce),
      {
        acks,
        timeoutMs,
        producerId: lease.producerId,
        producerEpoch: lease.epoch,
        topics: toTopicRecords(group),
      },
      codec && { kafkaJsType: toKafkaJsCompressionType(compression), codec: codec.compress },
    );
    let response: DecodedProduceResponse | undefined;
    // Once queued on the connection, the partitions' next batches may follow this request.
    const queued = () => {
      for (const pending of group) this.state.dispatched(pending.batch);
      this.scheduleSend();
    };
    try {
      response = (await sendProduce(broker, request, queued)) as DecodedProduceResponse | undefined;
    } catch (error) {
      this.distrust(group);
      const failure = toTransportError(error, true);
      for (const pending of group) this.settleFailure(pending, failure);
      return;
    }
    for (const pending of group) {
      const { topic, partition } = pending.batch;
      if (acks === 0 || !response) {
        this.settleSuccess(pending, '-1');
        continue;
      }
      const answer = response.topics
        .find((t) => t.topicName === topic)
        ?.partitions.find((p) => p.partition === partition);
      if (!answer) {
        const missing = new TransportError(
          `no answer for ${topic}/${partition}`,
          'retriable',
          'MISSING_ANSWER',
          true,
        );
        this.settleFailure(pending, missing);
      } else if (answer.errorCode === 0) {
        this.settleSuccess(pending, answer.baseOffset);
      } else if (answer.errorCode === DUPLICATE_SEQUENCE_NUMBER) {
        // Written by an earlier attempt the broker no longer caches: in the log, offset unknown.
        this.settleSuccess(pending, '-1');
      } else {
        const failure = produceAnswerError(answer.errorCode, acks);
        if (produceErrorRule(failure.code).action === 'refresh') this.distrust([pending]);
        this.settleFailure(pending, failure);
      }
    }
  }

  private settleSuccess(pending: PendingBatch, baseOffset: string): void {
    if (pending.settled) return;
    pending.settled = true;
    this.state.acknowledged(pending.batch);
    pending.resolve({ baseOffset });
    this.scheduleSend();
  }

  /** Rejects one attempt; the producer state decides what its batch's sequences become. */
  private settleFailure(pending: PendingBatch, failure: TransportError): void {
    if (pending.settled) return;
    pending.settled = true;
    const action = produceErrorRule(failure.code).action;
    const renew = action === 'bump-epoch' || action === 'new-producer-id' ? action : undefined;
    const { resolvable } = this.state.failed(pending.batch, {
      mayBeWritten: failure.maybeWritten,
      ...(renew ? { renew } : {}),
    });
    pending.reject(resolvable ? failure : unresolvable(failure));
    this.scheduleSend();
  }
}

/** The group's batches by topic, each with the sequence its lease gives its first record. */
function toTopicRecords(group: PendingBatch[]): TopicRecords[] {
  const byTopic = new Map<string, PartitionRecords[]>();
  for (const { batch, lease } of group) {
    let partitions = byTopic.get(batch.topic);
    if (!partitions) {
      partitions = [];
      byTopic.set(batch.topic, partitions);
    }
    partitions.push({
      partition: batch.partition,
      firstSequence: lease?.firstSequence ?? 0,
      records: batch.records,
    });
  }
  return [...byTopic.entries()].map(([topic, partitions]) => ({ topic, partitions }));
}

/** A batch in doubt that the broker can no longer deduplicate: fail it, truthfully. */
function unresolvable(failure: TransportError): TransportError {
  return new TransportError(
    `${failure.message}; an earlier attempt may have written this batch and the broker no longer knows its sequence numbers, so it is not retried`,
    'fatal',
    failure.code,
    true,
    { cause: failure },
  );
}

/** A batch in doubt whose partition's sequences started over while it waited for its retry. */
function unresolvableAfterReset(): TransportError {
  return new TransportError(
    'an earlier attempt may have written this batch, and its partition had to start its sequence numbers over (a batch ahead of it failed or the broker refused the sequence), so the broker could no longer recognise a retry: not retried',
    'fatal',
    'SEQUENCE_RESET_IN_DOUBT',
    true,
  );
}

function closedError(): TransportError {
  return new TransportError('the Writer is closed', 'fatal', 'WRITER_CLOSED', false);
}

/**
 * Forwards a kafkajs log line at DEBUG, without kafkajs' envelope (`timestamp`, `logger`): the
 * logger stamps its own. kafkajs only gets to log its warnings and errors (the level is WARN), and
 * each of them is a failed connect, request or authentication whose error reaches the Writer; the
 * Writer reports that once, as its retry WARN (with the broker and code) or as the error the call
 * gives up with. At its own level kafkajs would say it twice more per attempt.
 */
function forwardLog(logger: WriterLogger | undefined, entry: LogEntry): void {
  if (!logger) return;
  const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry.log;
  logger.debug(`kafkajs ${entry.namespace}: ${message}`, { kafkajsLevel: entry.label, ...fields });
}
