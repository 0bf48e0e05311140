import {
  type Admin,
  type ITopicMetadata,
  Kafka,
  type KafkaConfig,
  type LogEntry,
  logLevel,
  type Producer,
} from 'kafkajs';
import { ensureCodec, toKafkaJsCompressionType } from './codecs/compression.ts';
import type { SaslOptions, TlsOptions, WriterLogger } from './connection-options.ts';
import {
  type CreateTopicOptions,
  type KafkaTransport,
  type PartitionBatch,
  type ProduceOptions,
  type ProduceResult,
  TransportError,
} from './transport.ts';

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

/**
 * kafkajs behind the Writer's seam. kafkajs' own retries are turned off (the Writer retries with
 * its own budget, deadline and cancellation), its partitioner is replaced by "use the partition
 * the Writer chose", and neither client may create topics as a side effect of a metadata request.
 */
export class KafkaJsTransport implements KafkaTransport {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly partitionCache = new Map<string, { ids: number[]; fetchedAt: number }>();
  private connecting: Promise<void> | undefined;

  constructor(private readonly config: KafkaJsTransportConfig) {
    const kafkaConfig: KafkaConfig = {
      brokers: config.brokers,
      clientId: config.clientId,
      connectionTimeout: config.connectTimeoutMs,
      authenticationTimeout: config.connectTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      retry: { retries: 0 },
      logLevel: config.logger ? logLevel.WARN : logLevel.NOTHING,
      logCreator: () => (entry: LogEntry) => forwardLog(config.logger, entry),
    };
    if (config.ssl !== undefined) kafkaConfig.ssl = config.ssl;
    if (config.sasl !== undefined) kafkaConfig.sasl = config.sasl as KafkaConfig['sasl'];
    this.kafka = new Kafka(kafkaConfig);
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: config.idempotent,
      metadataMaxAge: config.metadataMaxAgeMs,
      // kafkajs refuses an idempotent producer without retries; one internal retry keeps the
      // same sequence numbers, so the broker drops the duplicate if the first attempt landed.
      retry: { retries: config.idempotent ? 1 : 0, initialRetryTime: 50, maxRetryTime: 200 },
      ...(config.idempotent ? { maxInFlightRequests: 1 } : {}),
      createPartitioner: () => (args) => (args.message as { partition: number }).partition,
    });
    this.admin = this.kafka.admin({ retry: { retries: 0 } });
  }

  connect(): Promise<void> {
    // One shared promise for concurrent callers; dropped on failure so the next call retries.
    this.connecting ??= Promise.all([this.producer.connect(), this.admin.connect()]).then(
      () => this.config.onConnect?.(),
      (error: unknown) => {
        this.connecting = undefined;
        throw toTransportError(error, false);
      },
    );
    return this.connecting;
  }

  async partitions(topic: string, options: { refresh?: boolean } = {}): Promise<number[] | undefined> {
    const cached = this.partitionCache.get(topic);
    if (cached && !options.refresh && Date.now() - cached.fetchedAt < this.config.metadataMaxAgeMs) {
      return cached.ids;
    }
    await this.connect();
    let metadata: ITopicMetadata | undefined;
    try {
      ({
        topics: [metadata],
      } = await this.admin.fetchTopicMetadata({ topics: [topic] }));
    } catch (error) {
      const failure = toTransportError(error, false);
      if (failure.kind === 'unknown-topic') {
        this.partitionCache.delete(topic);
        return undefined;
      }
      throw failure;
    }
    const ids = (metadata?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b);
    if (ids.length === 0) return undefined;
    this.partitionCache.set(topic, { ids, fetchedAt: Date.now() });
    return ids;
  }

  async createTopic(topic: string, options: CreateTopicOptions): Promise<void> {
    await this.connect();
    try {
      await this.admin.createTopics({
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
    this.partitionCache.delete(topic);
  }

  async produce(batch: PartitionBatch, options: ProduceOptions): Promise<ProduceResult> {
    if (options.compression !== 'none') await ensureCodec(options.compression);
    await this.connect();
    try {
      const [result] = await this.producer.send({
        topic: batch.topic,
        acks: options.acks,
        timeout: options.timeoutMs,
        compression: toKafkaJsCompressionType(options.compression),
        messages: batch.records.map((record) => ({
          partition: batch.partition,
          key: record.key,
          value: record.value,
          headers: record.headers,
          timestamp: String(record.timestampMs),
        })),
      });
      return { baseOffset: result?.baseOffset ?? '-1' };
    } catch (error) {
      if (isStaleMetadata(error)) this.partitionCache.delete(batch.topic);
      throw toTransportError(error, true);
    }
  }

  async disconnect(): Promise<void> {
    this.connecting = undefined;
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }
}

/** kafkajs errors that only wrap another one. */
const WRAPPER_NAMES = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSNonRetriableError']);

interface KafkaJsErrorLike {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  originalError?: unknown;
  cause?: unknown;
}

/** kafkajs error types that mean "the topic or partition is not known to the cluster". */
const UNKNOWN_TOPIC_TYPES = new Set(['UNKNOWN_TOPIC_OR_PARTITION']);
/** kafkajs error types for a batch the broker will not take because of its size. */
const TOO_LARGE_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
/** Protocol errors kafkajs marks non-retriable but which clear up after a metadata refresh. */
const TRANSIENT_TYPES = new Set(['NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE', 'NOT_ENOUGH_REPLICAS']);
/** Protocol errors sent after the leader had appended the batch (replication fell short). */
const WRITTEN_THEN_FAILED_TYPES = new Set(['NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'REQUEST_TIMED_OUT']);

/**
 * Classifies a kafkajs error. `requestSent` says whether a produce request may have reached
 * the broker; connection errors before any request was written are known-unsent.
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
  // A refused connection never carried the request.
  if (/ECONNREFUSED|EHOSTUNREACH|ENOTFOUND/.test(`${(e as { code?: string }).code ?? ''} ${message}`)) {
    return new TransportError(message, retriable ? 'retriable' : 'fatal', code, false, { cause: error });
  }
  // A protocol error is an answer: the broker refused the batch, so nothing was written, except
  // for the two answers that come after the leader appended it.
  const maybeWritten =
    requestSent && (name !== 'KafkaJSProtocolError' || WRITTEN_THEN_FAILED_TYPES.has(code));
  return new TransportError(message, retriable ? 'retriable' : 'fatal', code, maybeWritten, {
    cause: error,
  });
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

function isStaleMetadata(error: unknown): boolean {
  const code = unwrap(error).type ?? '';
  return UNKNOWN_TOPIC_TYPES.has(code) || TRANSIENT_TYPES.has(code);
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
