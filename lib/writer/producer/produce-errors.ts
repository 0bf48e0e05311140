import { RequiredAcks } from '../required-acks.ts';
import type { TransportErrorKind } from '../transport.ts';

/**
 * What a partition's Produce answer asks of the producer:
 * - `retry`: send the same batch again, with the same sequence numbers;
 * - `refresh`: the same, after fetching metadata (the leader or the topic changed);
 * - `bump-epoch`: the broker's idempotence state and ours disagree: renew (new epoch) first;
 * - `new-producer-id`: the epoch itself was refused: renew with a new producer id first;
 * - `fail`: no retry can succeed.
 */
export type ProduceAction = 'retry' | 'refresh' | 'bump-epoch' | 'new-producer-id' | 'fail';

/**
 * Whether the batch may be in the log after this answer. `no` only where the broker decides
 * before appending; `acks-all` where Kafka also sends the code after appending while an acks=all
 * request waited for the ISR (DelayedProduce: leadership moved, the log dir failed or the
 * partition was deleted), which an acks=1 request never does.
 */
export type WrittenAfter = 'no' | 'maybe' | 'acks-all';

/** How the Writer treats one Produce error code. */
export interface ProduceErrorRule {
  action: ProduceAction;
  written: WrittenAfter;
  /** The Writer-facing class of the failure. */
  kind: TransportErrorKind;
}

const rule = (action: ProduceAction, written: WrittenAfter, kind: TransportErrorKind): ProduceErrorRule => ({
  action,
  written,
  kind,
});

/**
 * Every Produce error code the Writer distinguishes, by Kafka's name. Sources: Kafka's
 * `Errors` and `ReplicaManager.appendRecords` / `Partition.appendRecordsToLeader` /
 * `DelayedProduce` for where each is raised, KIP-98 and KIP-360 for the idempotence codes.
 */
export const PRODUCE_ERROR_RULES: Readonly<Record<string, ProduceErrorRule>> = {
  // Raised by validation before the append: the batch is not in the log.
  CORRUPT_MESSAGE: rule('fail', 'no', 'fatal'),
  INVALID_RECORD: rule('fail', 'no', 'fatal'),
  INVALID_TIMESTAMP: rule('fail', 'no', 'fatal'),
  INVALID_REQUIRED_ACKS: rule('fail', 'no', 'fatal'),
  INVALID_TOPIC_EXCEPTION: rule('fail', 'no', 'fatal'),
  UNSUPPORTED_FOR_MESSAGE_FORMAT: rule('fail', 'no', 'fatal'),
  UNSUPPORTED_COMPRESSION_TYPE: rule('fail', 'no', 'fatal'),
  UNSUPPORTED_VERSION: rule('fail', 'no', 'fatal'),
  MESSAGE_TOO_LARGE: rule('fail', 'no', 'too-large'),
  RECORD_LIST_TOO_LARGE: rule('fail', 'no', 'too-large'),
  TOPIC_AUTHORIZATION_FAILED: rule('fail', 'no', 'fatal'),
  CLUSTER_AUTHORIZATION_FAILED: rule('fail', 'no', 'fatal'),
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: rule('fail', 'no', 'fatal'),
  SASL_AUTHENTICATION_FAILED: rule('fail', 'no', 'authentication'),
  POLICY_VIOLATION: rule('fail', 'no', 'fatal'),
  // Checked before the append (min.insync.replicas): nothing written, and worth a retry.
  NOT_ENOUGH_REPLICAS: rule('retry', 'no', 'retriable'),
  LEADER_NOT_AVAILABLE: rule('refresh', 'no', 'retriable'),
  FENCED_LEADER_EPOCH: rule('refresh', 'no', 'retriable'),
  UNKNOWN_LEADER_EPOCH: rule('refresh', 'no', 'retriable'),
  BROKER_NOT_AVAILABLE: rule('refresh', 'no', 'retriable'),
  REPLICA_NOT_AVAILABLE: rule('refresh', 'no', 'retriable'),
  // Before the append on the request path, but also after it from DelayedProduce (acks=all).
  NOT_LEADER_OR_FOLLOWER: rule('refresh', 'acks-all', 'retriable'),
  UNKNOWN_TOPIC_OR_PARTITION: rule('refresh', 'acks-all', 'unknown-topic'),
  KAFKA_STORAGE_ERROR: rule('refresh', 'maybe', 'retriable'),
  // Appended, then replication fell short or the wait ran out.
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: rule('retry', 'maybe', 'retriable'),
  REQUEST_TIMED_OUT: rule('retry', 'maybe', 'retriable'),
  NETWORK_EXCEPTION: rule('retry', 'maybe', 'retriable'),
  // Idempotence (KIP-98, KIP-360): refused before the append; the sequences must start over.
  OUT_OF_ORDER_SEQUENCE_NUMBER: rule('bump-epoch', 'no', 'retriable'),
  UNKNOWN_PRODUCER_ID: rule('bump-epoch', 'no', 'retriable'),
  INVALID_PRODUCER_EPOCH: rule('new-producer-id', 'no', 'retriable'),
  PRODUCER_FENCED: rule('new-producer-id', 'no', 'retriable'),
};

/** An error code nobody listed: fail, and admit the batch may have been written. */
const UNKNOWN_CODE_RULE = rule('fail', 'maybe', 'fatal');

/** kafkajs 2.2.4 still names some codes by their pre-2.x names. */
const KAFKA_NAMES: Readonly<Record<string, string>> = {
  NOT_LEADER_FOR_PARTITION: 'NOT_LEADER_OR_FOLLOWER',
  GROUP_LOAD_IN_PROGRESS: 'COORDINATOR_LOAD_IN_PROGRESS',
  GROUP_COORDINATOR_NOT_AVAILABLE: 'COORDINATOR_NOT_AVAILABLE',
};

/** Kafka's name for an error type as kafkajs reports it. */
export function kafkaErrorName(type: string): string {
  return KAFKA_NAMES[type] ?? type;
}

/** The rule for an error code's name (kafkajs' `type`). */
export function produceErrorRule(type: string): ProduceErrorRule {
  return PRODUCE_ERROR_RULES[kafkaErrorName(type)] ?? UNKNOWN_CODE_RULE;
}

/** Whether a batch may be in the log after this answer, at these acks. */
export function mayBeWrittenAfter(errorRule: ProduceErrorRule, acks: RequiredAcks): boolean {
  if (errorRule.written === 'acks-all') return acks === RequiredAcks.All;
  return errorRule.written === 'maybe';
}
