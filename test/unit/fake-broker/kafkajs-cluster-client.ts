import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4's Cluster and Broker, the level the Writer's transport works at, typed here for
 * what these tests use. Loaded with require and typed locally rather than through
 * lib/writer/kafkajs-internals.d.ts, so the fake's tests do not move when lib/writer does.
 */
const require = createRequire(import.meta.url);
const Cluster = require('kafkajs/src/cluster/index.js') as new (
  options: Record<string, unknown>,
) => KafkaJsCluster;
const { createLogger, LEVELS } = require('kafkajs/src/loggers/index.js') as {
  createLogger(options: { level: number; logCreator: () => () => void }): unknown;
  LEVELS: { NOTHING: number };
};
const socketFactory = require('kafkajs/src/network/socketFactory.js') as () => unknown;
const createEosManager = require('kafkajs/src/producer/eosManager/index.js') as (options: {
  logger: unknown;
  cluster: KafkaJsCluster;
  transactional: boolean;
}) => KafkaJsEosManager;
const silentLogger = () => createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} });
const apiKeys = require('kafkajs/src/protocol/requests/apiKeys.js') as { Produce: number };
const { requests } = require('kafkajs/src/protocol/requests/index.js') as {
  requests: Record<KafkaJsApiName, RequestDefinitions>;
};

/** The kafkajs request definitions these tests send at a chosen version. */
export type KafkaJsApiName = 'ApiVersions' | 'Metadata' | 'InitProducerId' | 'Produce';

interface RequestDefinitions {
  versions: string[];
  protocol(options: { version: number }): (args?: Record<string, unknown>) => ProtocolRequest;
}

/** A message as kafkajs' Produce request takes it. */
export interface KafkaJsMessage {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  timestamp?: number;
  headers?: Record<string, string | Buffer>;
}

/** One partition's batch in a raw Produce request. */
export interface RawPartitionBatch {
  topic: string;
  partition: number;
  firstSequence: number;
  messages: KafkaJsMessage[];
}

/** One partition's answer, decoded but not judged (kafkajs' parse would throw on the first error). */
export interface RawPartitionAnswer {
  topic: string;
  partition: number;
  errorCode: number;
  baseOffset: string;
  logStartOffset?: string;
}

interface ProtocolRequest {
  request: { apiVersion: number; encode(): Promise<{ buf: Buffer; offset: number }> };
  response: { decode(data: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> };
}

interface KafkaJsBroker {
  nodeId: number;
  versions: Record<number, { minVersion: number; maxVersion: number }>;
  lookupRequest(apiKey: number, definition: unknown): (args: Record<string, unknown>) => ProtocolRequest;
  connectionPool: { send(request: ProtocolRequest): Promise<unknown> };
  initProducerId(args: {
    transactionTimeout: number;
  }): Promise<{ producerId: string; producerEpoch: number }>;
}

/** The kafkajs Cluster methods these tests call. */
export interface KafkaJsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findTopicPartitionMetadata(
    topic: string,
  ): Array<{ partitionId: number; leader: number; partitionErrorCode: number }>;
  findBroker(options: { nodeId: number }): Promise<KafkaJsBroker>;
  findControllerBroker(): Promise<KafkaJsBroker>;
}

/** kafkajs' idempotence bookkeeping, as the Writer's transport uses it. */
export interface KafkaJsEosManager {
  initProducerId(): Promise<void>;
  getProducerId(): string;
  getProducerEpoch(): number;
  getSequence(topic: string, partition: number): number;
  updateSequence(topic: string, partition: number, increment: number): void;
}

/** kafkajs' non-transactional EOS manager over `cluster` (it asks the controller for producer ids). */
export function kafkaJsEosManager(cluster: KafkaJsCluster): KafkaJsEosManager {
  return createEosManager({ logger: silentLogger(), cluster, transactional: false });
}

/** A kafkajs Cluster configured as the Writer's transport configures it (no retries, no auto-create). */
export function kafkaJsCluster(
  brokers: string[],
  options: { requestTimeoutMs?: number } = {},
): KafkaJsCluster {
  return new Cluster({
    logger: silentLogger(),
    socketFactory: socketFactory(),
    brokers,
    clientId: 'fake-broker-test',
    connectionTimeout: 1000,
    authenticationTimeout: 1000,
    requestTimeout: options.requestTimeoutMs ?? 5000,
    enforceRequestTimeout: true,
    metadataMaxAge: 300_000,
    retry: { retries: 0 },
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
  });
}

/**
 * Sends one Produce request, encoded by kafkajs, to a node, and returns every partition's
 * answer. The producer id, epoch and sequences are the caller's, so tests can send what a
 * well-behaved producer never would.
 */
export async function produceRaw(
  cluster: KafkaJsCluster,
  nodeId: number,
  request: {
    producerId: number;
    producerEpoch: number;
    acks?: number;
    /** kafkajs' CompressionTypes value; @default 0 (none) */
    compression?: number;
    batches: RawPartitionBatch[];
    /** Edits the encoded request body before it is framed (to send what kafkajs never would). */
    tamper?: (body: Buffer) => void;
  },
): Promise<RawPartitionAnswer[]> {
  const broker = await cluster.findBroker({ nodeId });
  const topics = [...new Set(request.batches.map((b) => b.topic))];
  const produce = broker.lookupRequest(
    apiKeys.Produce,
    requests.Produce,
  )({
    acks: request.acks ?? -1,
    timeout: 1000,
    compression: request.compression ?? 0,
    producerId: request.producerId,
    producerEpoch: request.producerEpoch,
    topicData: topics.map((topic) => ({
      topic,
      partitions: request.batches
        .filter((b) => b.topic === topic)
        .map(({ partition, firstSequence, messages }) => ({ partition, firstSequence, messages })),
    })),
  });
  const { tamper } = request;
  const encode = async () => {
    const encoded = await produce.request.encode();
    tamper?.(encoded.buf.subarray(0, encoded.offset));
    return encoded;
  };
  const keepEveryAnswer = {
    ...produce,
    request: { ...produce.request, encode },
    response: { ...produce.response, parse: async (d: unknown) => d },
  };
  const decoded = (await broker.connectionPool.send(keepEveryAnswer)) as
    | { topics: Array<{ topicName: string; partitions: Array<Omit<RawPartitionAnswer, 'topic'>> }> }
    | undefined;
  return (decoded?.topics ?? []).flatMap((t) => t.partitions.map((p) => ({ topic: t.topicName, ...p })));
}

/** produceRaw for a single partition batch. */
export async function produceOne(
  cluster: KafkaJsCluster,
  nodeId: number,
  batch: RawPartitionBatch & { producerId: number; producerEpoch: number },
): Promise<RawPartitionAnswer> {
  const [answer] = await produceRaw(cluster, nodeId, {
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    batches: [batch],
  });
  if (!answer) throw new Error('no answer for the partition');
  return answer;
}

/** `count` messages with fixed timestamps, so a re-sent batch encodes to the same bytes. */
export function messages(count: number, prefix = 'm', from = 0): KafkaJsMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `k${from + i}`,
    value: `${prefix}${from + i}`,
    timestamp: 1_700_000_000_000 + from + i,
  }));
}

/**
 * Sends one request built by kafkajs' definition of `api` at `version` (not the negotiated one)
 * and returns kafkajs' decoding of the answer, unjudged.
 */
export async function sendVersioned(
  cluster: KafkaJsCluster,
  nodeId: number,
  api: KafkaJsApiName,
  version: number,
  args: Record<string, unknown> = {},
): Promise<unknown> {
  const broker = await cluster.findBroker({ nodeId });
  const request = requests[api].protocol({ version })(args);
  return broker.connectionPool.send({ ...request, response: { ...request.response, parse: async (d) => d } });
}

/** The versions kafkajs 2.2.4 implements for an API. */
export function kafkaJsVersions(api: KafkaJsApiName): number[] {
  return requests[api].versions.map(Number);
}
