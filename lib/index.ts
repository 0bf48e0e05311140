/**
 * kafka-lambda-bridge: the public API, listed by name.
 */
export type { Balancer } from './balancers/balancer.ts';
export {
  balancerByName,
  CRC32Balancer,
  Hash,
  LeastBytes,
  Murmur2Balancer,
  ReferenceHash,
  RoundRobin,
} from './balancers/index.ts';
// The Lambda layer: handler factories (each functions/<name> is one of these), the container's
// warm Writer, configuration readers and the pure mappings they use.
export { ConfigError } from './config/errors.ts';
export { type EventBridgeConfig, readEventBridgeConfig } from './config/eventbridge-config.ts';
export { type KafkaConfig, readKafkaConfig } from './config/kafka-config.ts';
export { readScheduleConfig, type ScheduleConfig } from './config/schedule-config.ts';
export { readSqsConfig, type SqsConfig } from './config/sqs-config.ts';
export { readWebhookConfig, type WebhookConfig, WebhookSignatureScheme } from './config/webhook-config.ts';
export { clearContainerWarmWriter, containerWarmWriter } from './lambda/container.ts';
export { createEventBridgeHandler, type EventBridgeHandlerOptions } from './lambda/eventbridge/handler.ts';
export { createObservability, METRICS, type Observability } from './lambda/observability.ts';
export type { BatchSource, SourceBatch } from './lambda/scheduled/batch-source.ts';
export { InvalidScheduleInputError, ScheduledSourceError } from './lambda/scheduled/errors.ts';
export {
  createScheduledHandler,
  type ScheduledHandlerOptions,
  type ScheduledRunSummary,
} from './lambda/scheduled/handler.ts';
export { createInputSource } from './lambda/scheduled/input-source.ts';
export { S3NdjsonSource, type S3NdjsonSourceOptions } from './lambda/scheduled/s3-ndjson-source.ts';
export { createSqsHandler, type SqsHandlerOptions } from './lambda/sqs/handler.ts';
export { batchItemFailures } from './lambda/sqs/partial-batch.ts';
export { type InvocationContext, WarmWriter, type WarmWriterOptions } from './lambda/warm-writer.ts';
export { createWebhookHandler, type WebhookHandlerOptions } from './lambda/webhook/handler.ts';
export { verifySignature } from './lambda/webhook/signatures.ts';
export { MappingError } from './mapping/errors.ts';
export { type BridgeEvent, eventBridgeEventToMessage } from './mapping/eventbridge.ts';
export { sqsRecordToMessage } from './mapping/sqs.ts';
export { WebhookRequestError } from './mapping/webhook.ts';
export { Compression } from './writer/codecs/compression.ts';
export type { OauthBearerToken, SaslOptions, TlsOptions, WriterLogger } from './writer/connection-options.ts';
export {
  AuthenticationError,
  BrokerError,
  type FailedMessage,
  FlushError,
  FlushTimeoutError,
  InvalidMessageError,
  MessageTooLargeError,
  MissingTopicError,
  TopicConflictError,
  UnknownTopicError,
  WriteAbortedError,
  WriteErrors,
  WriterClosedError,
  WriterConfigError,
  WriterError,
} from './writer/errors.ts';
export type { HeaderValue, Message, MessageBytes } from './writer/message.ts';
export { type CompletionCallback, WRITER_DEFAULTS, type WriterOptions } from './writer/options.ts';
export { RequiredAcks } from './writer/required-acks.ts';
export type { Summary, WriterStats } from './writer/stats.ts';
export type { KafkaTransport } from './writer/transport.ts';
export { type RecordMetadata, type WriteOptions, Writer } from './writer/writer.ts';
