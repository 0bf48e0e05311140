import { setTimeout as sleep } from 'node:timers/promises';
import type { BrokerPool, InternalBroker, InternalProtocolRequest } from 'kafkajs/src/cluster/index.js';
import apiKeys from 'kafkajs/src/protocol/requests/apiKeys.js';
import protocol from 'kafkajs/src/protocol/requests/index.js';
import { closesConnection } from './kafkajs-errors.ts';
import { sendFrame } from './kafkajs-send-frame.ts';
import type { TopicMetadata } from './metadata/metadata-table.ts';
import type { ProducerIdentity } from './producer/producer-state.ts';
import type { ProduceRequest } from './wire/kafkajs-produce.ts';

/** A Metadata response as kafkajs decodes it, before its parser throws on the first error. */
interface DecodedMetadata {
  brokers: Array<{ nodeId: number; host: string; port: number; rack?: string | null }>;
  topicMetadata: Array<{
    topicErrorCode: number;
    topic: string;
    partitionMetadata: Array<{ partitionErrorCode: number; partitionId: number; leader: number }>;
  }>;
}

/**
 * Sends a request and returns its decoded answer without kafkajs' parse step, which throws on
 * the first error code and so hides which topics or partitions succeeded. A request that timed
 * out or lost its connection closes that broker's connections: a half-open socket (a Lambda
 * thawed onto a connection whose peer vanished) would otherwise make every later attempt wait
 * the full timeout on it, as Java and librdkafka avoid by disconnecting.
 */
export async function sendKeepingErrors(
  broker: InternalBroker,
  request: InternalProtocolRequest,
): Promise<unknown> {
  const keepEveryAnswer: InternalProtocolRequest = {
    ...request,
    response: { ...request.response, parse: async (decoded: unknown) => decoded },
  };
  return closingOnConnectionLoss(broker, () => broker.connectionPool.send(keepEveryAnswer));
}

/**
 * Sends a Produce request as `sendKeepingErrors` does; one the Writer encoded itself goes out as
 * the frame it wrote once (kafkajs-send-frame.ts), not through kafkajs' copying request layer.
 */
export async function sendProduce(
  broker: InternalBroker,
  request: ProduceRequest,
  onQueued?: () => void,
): Promise<unknown> {
  const { encodeFrame } = request;
  // kafkajs' own path (Produce < v3) does not say when a request is queued: never told, so a
  // partition's next batch waits for this one's answer.
  if (!encodeFrame) return sendKeepingErrors(broker, request);
  return closingOnConnectionLoss(broker, async () => {
    const connection = await broker.connectionPool.getConnectionByRequest(request);
    return sendFrame(connection, request, await encodeFrame(connection.clientId), onQueued);
  });
}

async function closingOnConnectionLoss<T>(broker: InternalBroker, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (closesConnection(error)) await closeNow(broker);
    throw error;
  }
}

/**
 * Closes a broker's connections at once. kafkajs' own disconnect first waits for every request
 * in flight, up to the request timeout: on a dead socket that is one more timeout, and in
 * close() it keeps a process alive after the Writer gave up. Requests still out are failed as
 * "connection closed" (their batches stay in doubt).
 */
export async function closeNow(broker: InternalBroker): Promise<void> {
  for (const connection of broker.connectionPool.pool) {
    connection.rejectRequests(
      Object.assign(
        new Error(
          `connection to ${broker.connectionPool.host}:${broker.connectionPool.port} closed by the Writer`,
        ),
        {
          name: 'KafkaJSConnectionClosedError',
          retriable: true,
        },
      ),
    );
    connection.socket?.destroy();
  }
  await broker.disconnect();
}

/**
 * Fetches metadata for `topics` (never creating them) from any connected broker, and brings the
 * pool's brokers in line with the answer. Topic and partition errors stay in the result.
 */
export async function fetchMetadata(pool: BrokerPool, topics: readonly string[]): Promise<TopicMetadata[]> {
  const broker = await pool.findConnectedBroker();
  const metadataRequest = broker.lookupRequest(apiKeys.Metadata, protocol.requests.Metadata);
  const decoded = (await sendKeepingErrors(
    broker,
    metadataRequest({ topics: [...topics], allowAutoTopicCreation: false }),
  )) as DecodedMetadata;
  await syncBrokers(pool, decoded.brokers);
  return decoded.topicMetadata.map((t) => ({
    topic: t.topic,
    errorCode: t.topicErrorCode,
    partitions: t.partitionMetadata.map((p) => ({
      partitionId: p.partitionId,
      leader: p.leader,
      errorCode: p.partitionErrorCode,
    })),
  }));
}

/** InitProducerId answers meaning "ask again shortly" (a broker fetching its first id block). */
const INIT_PRODUCER_ID_BUSY = new Set([14, 15, 51]);
const INIT_PRODUCER_ID_TRIES = 8;

/**
 * Asks any connected broker for a producer id (an idempotent producer's; never transactional).
 * A broker answers COORDINATOR_LOAD_IN_PROGRESS until it has fetched a block of ids from the
 * controller, so that answer is asked again after a short pause, as the Java producer does.
 */
export async function initProducerId(pool: BrokerPool, timeoutMs: number): Promise<ProducerIdentity> {
  for (let attempt = 1; ; attempt++) {
    const broker = await pool.findConnectedBroker();
    const initRequest = broker.lookupRequest(apiKeys.InitProducerId, protocol.requests.InitProducerId);
    const request = initRequest({ transactionalId: null, transactionTimeout: timeoutMs });
    const answer = (await sendKeepingErrors(broker, request)) as {
      errorCode: number;
      producerId: string;
      producerEpoch: number;
    };
    if (answer.errorCode === 0) return { producerId: BigInt(answer.producerId), epoch: answer.producerEpoch };
    if (!INIT_PRODUCER_ID_BUSY.has(answer.errorCode) || attempt >= INIT_PRODUCER_ID_TRIES) {
      // kafkajs' parser raises the protocol error, with its type and message.
      await request.response.parse(answer);
    }
    await sleep(Math.min(50 * 2 ** (attempt - 1), 1_000));
  }
}

/**
 * Creates, replaces and drops the pool's broker objects to match a Metadata answer, as kafkajs'
 * own refresh does (the seed broker is reused for the node it turns out to be).
 */
async function syncBrokers(pool: BrokerPool, brokers: DecodedMetadata['brokers']): Promise<void> {
  const seed = pool.seedBroker?.connectionPool;
  const next: Record<string, InternalBroker> = {};
  const dropped: InternalBroker[] = [];
  for (const { nodeId, host, port, rack } of brokers) {
    const existing = pool.brokers[nodeId];
    const same = existing?.connectionPool.host === host && existing.connectionPool.port === port;
    if (existing && same) {
      next[nodeId] = existing;
      continue;
    }
    if (existing) dropped.push(existing);
    if (pool.seedBroker && seed?.host === host && seed.port === port) {
      pool.seedBroker.nodeId = nodeId;
      next[nodeId] = pool.seedBroker;
      continue;
    }
    next[nodeId] = pool.createBroker({
      logger: pool.rootLogger,
      versions: pool.versions,
      connectionPool: await pool.connectionPoolBuilder.build({ host, port, rack }),
      nodeId,
    });
  }
  for (const [nodeId, broker] of Object.entries(pool.brokers)) {
    if (!(nodeId in next) && broker !== pool.seedBroker) dropped.push(broker);
  }
  pool.brokers = next;
  await Promise.all(dropped.filter((b) => b !== pool.seedBroker).map((b) => b.disconnect()));
}
