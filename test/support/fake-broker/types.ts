import type { ApiName } from './constants.ts';
import type { DecodedRecord } from './protocol/record-batch.ts';
import type { UnknownProducerPolicy } from './state/producer-state.ts';

/** What a test passes to `new FakeKafkaCluster()`. */
export interface FakeKafkaClusterOptions {
  /** Number of nodes, ids 1..nodes, each on its own OS-assigned port; @default 1 */
  nodes?: number;
  /** Topics created before start: name to partition count (placed round-robin). */
  topics?: Readonly<Record<string, number>>;
  /** Node Metadata names as controller (kafkajs sends InitProducerId there); @default 1 */
  controllerId?: number;
  /** Non-zero first sequence from a producer the partition has no state for; @default 'reject' */
  unknownProducerId?: UnknownProducerPolicy;
  /** First producer id InitProducerId hands out; @default 1000 */
  firstProducerId?: number;
  /** @default 'fake-kafka-cluster' */
  clusterId?: string;
}

/** One partition batch of a Produce request, as an `onProduce` hook sees it. */
export interface ProduceContext {
  /** The node the request came to (its leader: routing errors are answered before hooks run). */
  node: number;
  topic: string;
  partition: number;
  /** -1 for a producer that is not idempotent. */
  producerId: number;
  epoch: number;
  baseSequence: number;
  count: number;
  /** 1 the first time the fake sees this batch (same pid, epoch and sequences; CRC when pid is -1), 2 on its first retry, ... */
  attempt: number;
  acks: number;
  apiVersion: number;
  /** Undefined when compressed with a codec the fake does not read. */
  records: readonly DecodedRecord[] | undefined;
}

/**
 * What happens to one partition batch. 'append' (or undefined) applies the KIP-98 rules and
 * answers their outcome.
 * - `appendThenError`: the rules run (and may append), then `code` is answered instead of
 *   success: a leader that wrote the batch but lost the answer (NOT_LEADER_OR_FOLLOWER,
 *   REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND). A batch the rules refuse gets their error.
 * - `rejectWith`: `code` is answered, nothing appended, producer state untouched.
 * - `hold`: nothing happens until the promise settles (resolved or rejected), then `next`
 *   (default 'append') is applied. With `appendFirst` the batch is appended now and only the
 *   answer waits (a slow acks=all leader: a retry meanwhile is a duplicate); `next` is ignored.
 *   Leadership is checked again when a held batch is appended.
 * - `closeConnection`: the socket is destroyed instead of answering the request, after
 *   appending if `append`.
 * - `noAnswer`: nothing is ever answered on this connection again and the socket stays open (a
 *   dead peer), after appending if `append`.
 * The connection answers requests in order (Kafka mutes a channel until its response is sent),
 * so a held or unanswered request also holds every later request on the same connection.
 */
export type ProduceAction =
  | 'append'
  | { appendThenError: number }
  | { rejectWith: number }
  | { hold: Promise<unknown>; next?: ProduceAction; appendFirst?: boolean }
  | { closeConnection: true; append: boolean }
  | { noAnswer: true; append: boolean };

/** Decides each partition batch; see ProduceAction. */
export type ProduceHook = (
  context: ProduceContext,
) => ProduceAction | undefined | Promise<ProduceAction | undefined>;

/** An InitProducerId request, as an `onInitProducerId` hook sees it. */
export interface InitProducerIdContext {
  node: number;
  /** 1 for the first InitProducerId the cluster receives, counting every node. */
  attempt: number;
  transactionalId: string | null;
  apiVersion: number;
}

/**
 * 'answer' (or undefined): a fresh producer id, epoch 0. `errorCode`: that error, no id.
 * `delayMs`: answer later. `hold`: wait for the promise to settle, then apply `next` (default
 * 'answer'). `closeConnection`, `noAnswer`: as for Produce.
 */
export type InitProducerIdAction =
  | 'answer'
  | { errorCode: number }
  | { delayMs: number }
  | { hold: Promise<unknown>; next?: InitProducerIdAction }
  | { closeConnection: true }
  | { noAnswer: true };

/** Decides each InitProducerId request. */
export type InitProducerIdHook = (
  context: InitProducerIdContext,
) => InitProducerIdAction | undefined | Promise<InitProducerIdAction | undefined>;

/** Any request, before its API's handler, as an `onRequest` hook sees it. */
export interface RequestContext {
  node: number;
  apiKey: number;
  apiName: ApiName | undefined;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** 'handle' (or undefined) passes the request to its API's handler (and its hook). */
export type RequestAction =
  | 'handle'
  | { delayMs: number }
  | { hold: Promise<unknown>; next?: RequestAction }
  | { closeConnection: true }
  | { noAnswer: true };

/** Sees every request first; for faults of any API (a Metadata request that hangs, say). */
export type RequestHook = (
  context: RequestContext,
) => RequestAction | undefined | Promise<RequestAction | undefined>;

/** One request the cluster received. */
export type RequestLogEntry = RequestContext;
