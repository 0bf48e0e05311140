import type { Balancer } from '../balancers/balancer.ts';
import { Murmur2Balancer } from '../balancers/murmur2-balancer.ts';
import { Compression } from './codecs/compression.ts';
import type { SaslOptions, TlsOptions, WriterLogger } from './connection-options.ts';
import { WriterConfigError } from './errors.ts';
import type { WriterInstrumentation } from './instrumentation.ts';
import type { Message } from './message.ts';
import { MAX_IN_FLIGHT_IDEMPOTENT } from './producer/producer-state.ts';
import { RequiredAcks } from './required-acks.ts';
import type { KafkaTransport } from './transport.ts';

/** Called once per finished batch with its messages and, if it failed, the error. */
export type CompletionCallback = (messages: Message[], error?: Error) => void;

/** What a caller passes to `new Writer(...)`. Names follow kafka-go's Writer fields. */
export interface WriterOptions {
  /** Bootstrap brokers, `host:port` (kafka-go's `kafka.TCP(...)`). */
  brokers: string[];
  /** Topic for every message; mutually exclusive with `Message.topic`. */
  topic?: string;
  /** Picks the partition of each message. @default new Murmur2Balancer() (Java/kafkajs parity) */
  balancer?: Balancer;
  /** @default RequiredAcks.All */
  requiredAcks?: RequiredAcks;
  /** Buffer writes and send them in the background; errors go to `completion` and `flush()`. @default false */
  async?: boolean;
  /** Called per finished batch, in sync and async mode. */
  completion?: CompletionCallback;
  /** Create a missing topic before publishing to it. @default false */
  allowAutoTopicCreation?: boolean;
  /** Partitions of an auto-created topic; -1 = the broker's num.partitions. @default -1 */
  autoTopicPartitions?: number;
  /** Replication factor of an auto-created topic; -1 = the broker's default. @default -1 */
  autoTopicReplicationFactor?: number;
  /** Most messages in one produce request for one partition. @default 100 */
  batchSize?: number;
  /** Most bytes in one request for one partition; larger messages are rejected. @default 1048576 */
  batchBytes?: number;
  /**
   * Bytes of batches one Produce request to a broker carries before the rest go in the next
   * request (a partition's batch is never split; one larger than this goes alone). Requests past
   * half a G1 heap region cost a Java broker a GC cycle each (request-split.ts).
   * @default 491520 (480 KiB)
   */
  maxRequestBytes?: number;
  /**
   * Async mode: longest a partial batch waits for more messages while its partition has nothing
   * in flight; behind a batch in flight it waits for that one to settle. Sync writes never wait.
   * @default 10
   */
  batchTimeoutMs?: number;
  /** Attempts per batch, the first included. @default 10 */
  maxAttempts?: number;
  /** @default 100 */
  writeBackoffMinMs?: number;
  /** @default 1000 */
  writeBackoffMaxMs?: number;
  /** Longest one produce request may take (broker-side ack timeout and client-side wait). @default 10000 */
  writeTimeoutMs?: number;
  /** @default Compression.None */
  compression?: Compression;
  /**
   * Idempotent producer: a retry never duplicates within a partition. Needs acks=All.
   * @default true when requiredAcks is All (as the Java client since Kafka 3.0), else false
   */
  idempotent?: boolean;
  /**
   * Produce requests of one partition in flight at once (pipelining). With idempotence, 1 to 5:
   * the broker checks each batch's sequence numbers and remembers the last five, so order holds
   * and a retry is recognised whatever fails. Without idempotence nothing checks order, so a retry
   * can land after a later batch (as in the Java client with `max.in.flight.requests.per.connection`
   * above 1 and idempotence off): it stays 1 unless you accept that.
   * @default 5 when idempotent, else 1
   */
  maxInFlightPerPartition?: number;
  /** @default 'kafka-lambda-bridge' */
  clientId?: string;
  ssl?: TlsOptions;
  sasl?: SaslOptions;
  logger?: WriterLogger;
  /** Async mode: most messages buffered before writeMessages waits (backpressure). @default 10000 */
  maxBufferedMessages?: number;
  /** Async mode: most bytes buffered before writeMessages waits. @default 33554432 (32 MiB) */
  maxBufferedBytes?: number;
  /** @default 10000 */
  connectTimeoutMs?: number;
  /** How long partition lists are trusted before they are fetched again. @default 300000 */
  metadataMaxAgeMs?: number;
  /** Replaces the kafkajs transport (tests of failures a real broker cannot produce on demand). */
  transport?: KafkaTransport;
  /**
   * Told about every write (tracing): see WriterInstrumentation, and
   * `openTelemetryInstrumentation` for OpenTelemetry producer spans. @default none (no cost)
   */
  instrumentation?: WriterInstrumentation;
}

/** The resolved configuration: every default applied, every value checked. */
export interface WriterConfig {
  brokers: string[];
  topic: string | undefined;
  balancer: Balancer;
  requiredAcks: RequiredAcks;
  async: boolean;
  completion: CompletionCallback | undefined;
  allowAutoTopicCreation: boolean;
  autoTopicPartitions: number;
  autoTopicReplicationFactor: number;
  batchSize: number;
  batchBytes: number;
  maxRequestBytes: number;
  batchTimeoutMs: number;
  maxAttempts: number;
  writeBackoffMinMs: number;
  writeBackoffMaxMs: number;
  writeTimeoutMs: number;
  compression: Compression;
  idempotent: boolean;
  maxInFlightPerPartition: number;
  clientId: string;
  ssl: TlsOptions | undefined;
  sasl: SaslOptions | undefined;
  logger: WriterLogger | undefined;
  maxBufferedMessages: number;
  maxBufferedBytes: number;
  connectTimeoutMs: number;
  metadataMaxAgeMs: number;
  instrumentation: WriterInstrumentation | undefined;
}

/** Defaults, in one place so README and code cannot drift apart. */
export const WRITER_DEFAULTS = {
  requiredAcks: RequiredAcks.All,
  async: false,
  allowAutoTopicCreation: false,
  autoTopicPartitions: -1,
  autoTopicReplicationFactor: -1,
  batchSize: 100,
  batchBytes: 1_048_576,
  maxRequestBytes: 480 * 1024,
  batchTimeoutMs: 10,
  maxAttempts: 10,
  writeBackoffMinMs: 100,
  writeBackoffMaxMs: 1000,
  writeTimeoutMs: 10_000,
  compression: Compression.None,
  clientId: 'kafka-lambda-bridge',
  maxBufferedMessages: 10_000,
  maxBufferedBytes: 32 * 1024 * 1024,
  connectTimeoutMs: 10_000,
  metadataMaxAgeMs: 300_000,
} as const satisfies Partial<WriterConfig>;

/** Applies defaults and checks every option, reporting all problems in one error. */
export function resolveWriterConfig(options: WriterOptions): WriterConfig {
  const config: WriterConfig = {
    ...WRITER_DEFAULTS,
    brokers: options.brokers,
    topic: options.topic,
    balancer: options.balancer ?? new Murmur2Balancer(),
    completion: options.completion,
    ssl: options.ssl,
    sasl: options.sasl,
    logger: options.logger,
    instrumentation: options.instrumentation,
    ...definedOnly(options),
    idempotent: false,
    maxInFlightPerPartition: 1,
  };
  config.idempotent = options.idempotent ?? config.requiredAcks === RequiredAcks.All;
  config.maxInFlightPerPartition =
    options.maxInFlightPerPartition ?? (config.idempotent ? MAX_IN_FLIGHT_IDEMPOTENT : 1);
  const problems: string[] = [];
  if (!Array.isArray(config.brokers) || config.brokers.length === 0) {
    problems.push('brokers must list at least one "host:port"');
  } else {
    for (const broker of config.brokers) {
      if (!/^[^:\s]+:\d+$/.test(broker)) problems.push(`broker "${broker}" is not "host:port"`);
    }
  }
  if (config.topic !== undefined && (typeof config.topic !== 'string' || config.topic === '')) {
    problems.push('topic must be a non-empty string when set');
  }
  if (!Object.values(RequiredAcks).includes(config.requiredAcks)) {
    problems.push(
      `requiredAcks must be RequiredAcks.None (0), One (1) or All (-1), got ${config.requiredAcks}`,
    );
  }
  if (!Object.values(Compression).includes(config.compression)) {
    problems.push(`compression must be one of ${Object.values(Compression).join(', ')}`);
  }
  if (config.idempotent && config.requiredAcks !== RequiredAcks.All) {
    problems.push('idempotent writes need requiredAcks: RequiredAcks.All');
  }
  for (const key of [
    'batchSize',
    'batchBytes',
    'maxRequestBytes',
    'maxAttempts',
    'writeTimeoutMs',
    'maxBufferedMessages',
    'maxBufferedBytes',
    'connectTimeoutMs',
    'maxInFlightPerPartition',
  ] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) problems.push(`${key} must be a positive integer`);
  }
  if (config.idempotent && config.maxInFlightPerPartition > MAX_IN_FLIGHT_IDEMPOTENT) {
    problems.push(
      `maxInFlightPerPartition must be at most ${MAX_IN_FLIGHT_IDEMPOTENT} with idempotence (the broker remembers the last ${MAX_IN_FLIGHT_IDEMPOTENT} batches of a producer)`,
    );
  }
  for (const key of [
    'batchTimeoutMs',
    'writeBackoffMinMs',
    'writeBackoffMaxMs',
    'metadataMaxAgeMs',
  ] as const) {
    if (!Number.isFinite(config[key]) || config[key] < 0) problems.push(`${key} must be a number >= 0`);
  }
  if (config.writeBackoffMaxMs < config.writeBackoffMinMs) {
    problems.push('writeBackoffMaxMs must be >= writeBackoffMinMs');
  }
  if (typeof config.balancer?.balance !== 'function') problems.push('balancer must have a balance() method');
  if (config.instrumentation !== undefined && typeof config.instrumentation?.startWrite !== 'function') {
    problems.push('instrumentation must have a startWrite() method');
  }
  if (problems.length > 0) {
    throw new WriterConfigError(`invalid Writer options:\n- ${problems.join('\n- ')}`);
  }
  return config;
}

/** Options explicitly set to undefined must not erase defaults. */
function definedOnly(options: WriterOptions): Partial<WriterConfig> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && key !== 'transport') result[key] = value;
  }
  return result as Partial<WriterConfig>;
}
