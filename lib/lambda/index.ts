/**
 * kafka-lambda-bridge/lambda: handler factories (each functions/<name> is one of these), the
 * container's warm Writer, configuration readers, the pure mappings and the batch sources.
 */

export type { ClaimCheckConfig } from '../config/claim-check-config.ts';
export { ConfigError } from '../config/errors.ts';
export { type EventBridgeConfig, readEventBridgeConfig } from '../config/eventbridge-config.ts';
export { type KafkaConfig, readKafkaConfig } from '../config/kafka-config.ts';
export { readScheduleConfig, type ScheduleConfig } from '../config/schedule-config.ts';
export type {
  SchemaConfig,
  SchemaFormat,
  SchemaRegistryConfig,
  SubjectStrategy,
  ValueFormat,
} from '../config/schema-config.ts';
export { readSqsConfig, type SqsConfig } from '../config/sqs-config.ts';
export {
  readWebhookConfig,
  type WebhookConfig,
  type WebhookIdempotencyConfig,
  WebhookSignatureScheme,
} from '../config/webhook-config.ts';
export {
  type ClaimCheckPlan,
  claimCheckUri,
  LARGE_MESSAGE_HEADERS,
  LargeMessageFlag,
  planClaimCheck,
} from '../mapping/claim-check.ts';
export { MappingError } from '../mapping/errors.ts';
export { type BridgeEvent, eventBridgeEventToMessage } from '../mapping/eventbridge.ts';
export { sqsRecordToMessage } from '../mapping/sqs.ts';
export { WebhookRequestError } from '../mapping/webhook.ts';
export { type DeliveryIdentity, deliveryIdentityOf } from '../mapping/webhook-idempotency.ts';
export {
  SchemaRegistryError,
  SchemaValidationError,
  type SerializedValue,
  type SerializeOptions,
  type ValueSerializer,
} from '../schema/value-serializer.ts';
export { ClaimCheckError } from './claim-check.ts';
export { clearContainerWarmWriter, containerWarmWriter } from './container.ts';
export { createEventBridgeHandler, type EventBridgeHandlerOptions } from './eventbridge/handler.ts';
export type { HandlerOptions } from './handler-setup.ts';
export { createObservability, METRICS, type Observability } from './observability.ts';
export type { BatchSource, SourceBatch } from './scheduled/batch-source.ts';
export { InvalidScheduleInputError, ScheduledSourceError } from './scheduled/errors.ts';
export {
  createScheduledHandler,
  type ScheduledHandlerOptions,
  type ScheduledRunSummary,
} from './scheduled/handler.ts';
export { createInputSource } from './scheduled/input-source.ts';
export { S3NdjsonSource, type S3NdjsonSourceOptions } from './scheduled/s3-ndjson-source.ts';
export { createSqsHandler, type SqsHandlerOptions } from './sqs/handler.ts';
export { batchItemFailures } from './sqs/partial-batch.ts';
export { HeldBackError } from './staged-write.ts';
export {
  type InvocationContext,
  type WarmWriteOptions,
  WarmWriter,
  type WarmWriterOptions,
  writerOptionsFrom,
} from './warm-writer.ts';
export { createWebhookHandler, type WebhookHandlerOptions } from './webhook/handler.ts';
export { IdempotencyStoreError } from './webhook/idempotency.ts';
export { verifySignature } from './webhook/signatures.ts';
