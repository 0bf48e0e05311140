/** A protocol-level fake Kafka cluster for tests; see FakeKafkaCluster. */
export { API_KEYS, type ApiName, ERROR_CODES, MAX_SEQUENCE, SUPPORTED_VERSIONS } from './constants.ts';
export { FakeKafkaCluster, startFakeKafkaCluster } from './fake-kafka-cluster.ts';
export type { BatchCodec, DecodedRecord, RecordHeader } from './protocol/record-batch.ts';
export type { CreateTopicOptions } from './state/cluster-state.ts';
export type { StoredRecord } from './state/partition-log.ts';
export type { ProducerEntry, RetainedBatch, UnknownProducerPolicy } from './state/producer-state.ts';
export type {
  FakeKafkaClusterOptions,
  InitProducerIdAction,
  InitProducerIdContext,
  InitProducerIdHook,
  ProduceAction,
  ProduceContext,
  ProduceHook,
  RequestAction,
  RequestContext,
  RequestHook,
  RequestLogEntry,
} from './types.ts';
