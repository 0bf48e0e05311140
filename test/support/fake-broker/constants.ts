/** The API keys the fake answers. */
export const API_KEYS = {
  Produce: 0,
  Metadata: 3,
  ApiVersions: 18,
  InitProducerId: 22,
} as const;

/** Name of one of the APIs the fake answers. */
export type ApiName = keyof typeof API_KEYS;

/**
 * The versions implemented, exactly as ApiVersions advertises them, so clients negotiate only
 * these. Produce starts at v3 (record batches, magic 2): older versions carry message sets, which
 * no client this project uses sends to Kafka 2.1+. The maxima are kafkajs 2.2.4's.
 */
export const SUPPORTED_VERSIONS: Readonly<Record<ApiName, { min: number; max: number }>> = {
  Produce: { min: 3, max: 7 },
  Metadata: { min: 0, max: 6 },
  ApiVersions: { min: 0, max: 2 },
  InitProducerId: { min: 0, max: 1 },
};

/** Kafka protocol error codes the fake sends or tests script (names as Kafka spells them now). */
export const ERROR_CODES = {
  NONE: 0,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  TOPIC_AUTHORIZATION_FAILED: 29,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  UNSUPPORTED_VERSION: 35,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  UNKNOWN_PRODUCER_ID: 59,
  KAFKA_STORAGE_ERROR: 56,
} as const;

/** Sequence numbers wrap from INT32_MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
export const MAX_SEQUENCE = 2 ** 31 - 1;

/** How many of a producer's latest batches a partition remembers for duplicate detection (Kafka's NumBatchesToRetain). */
export const RETAINED_BATCHES = 5;
