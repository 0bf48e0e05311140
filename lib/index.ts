/**
 * kafka-lambda-bridge: the Writer's public API, listed by name. The Lambda layer is
 * `kafka-lambda-bridge/lambda` (lib/lambda/index.ts), the CDK constructs `kafka-lambda-bridge/cdk`.
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
export type {
  InstrumentedMessage,
  SettledBatch,
  WriteObserver,
  WriterInstrumentation,
  WriteStart,
} from './writer/instrumentation.ts';
export type { HeaderValue, Message, MessageBytes } from './writer/message.ts';
export { type CompletionCallback, WRITER_DEFAULTS, type WriterOptions } from './writer/options.ts';
export { RequiredAcks } from './writer/required-acks.ts';
export type { Summary, WriterStats } from './writer/stats.ts';
export type { KafkaTransport } from './writer/transport.ts';
export { type RecordMetadata, type WriteOptions, Writer } from './writer/writer.ts';
