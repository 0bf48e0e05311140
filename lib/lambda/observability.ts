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

/** The Writer's logger interface over a Powertools Logger. */
export function writerLoggerFrom(logger: Logger): WriterLogger {
  return {
    debug: (message, fields) => logger.debug(message, fields ?? {}),
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
  };
}
