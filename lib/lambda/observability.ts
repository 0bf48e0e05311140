import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { WriterLogger } from '../writer/connection-options.ts';

/** Structured JSON logs and CloudWatch EMF metrics for one function (Powertools). */
export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

/** Metric names, one place so dashboards and code agree. */
export const METRICS = {
  written: 'MessagesWritten',
  failed: 'MessagesFailed',
  writeLatency: 'WriteLatency',
  rejected: 'RequestsRejected',
  /** Webhook retries answered from the deduplication store, nothing written. */
  replayed: 'RequestsReplayed',
  /** Messages whose value did not match the schema (KAFKA_VALUE_FORMAT): refused, never written. */
  schemaRejected: 'SchemaRejections',
} as const;

export { MetricUnit };

/**
 * Creates the function's logger and metrics. Service name and namespace follow Powertools'
 * environment variables (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE) when set.
 */
export function createObservability(serviceName: string): Observability {
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({
    serviceName,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'KafkaLambdaBridge',
  });
  return { logger, metrics };
}

/**
 * The keys Powertools' JSON log line owns. A field with one of these names is dropped, and
 * Powertools says so in a WARN line of its own for every line that carries it.
 */
const POWERTOOLS_RESERVED_KEYS: ReadonlySet<string> = new Set([
  'level',
  'message',
  'sampling_rate',
  'service',
  'timestamp',
]);

/**
 * The Writer's logger interface over a Powertools Logger. Fields named like Powertools' own keys
 * are left out here, so they cost no reserved-key WARN line.
 */
export function writerLoggerFrom(logger: Logger): WriterLogger {
  return {
    debug: (message, fields) => logger.debug(message, ownFields(fields)),
    info: (message, fields) => logger.info(message, ownFields(fields)),
    warn: (message, fields) => logger.warn(message, ownFields(fields)),
    error: (message, fields) => logger.error(message, ownFields(fields)),
  };
}

function ownFields(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !POWERTOOLS_RESERVED_KEYS.has(key)));
}
