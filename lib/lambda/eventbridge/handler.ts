import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type EventBridgeConfig, readEventBridgeConfig } from '../../config/eventbridge-config.ts';
import { type BridgeEvent, eventBridgeEventToMessage } from '../../mapping/eventbridge.ts';
import { pickTraceContext, withTraceContext } from '../../mapping/trace-context.ts';
import { SchemaRegistryError, SchemaValidationError } from '../../schema/value-serializer.ts';
import type { Message } from '../../writer/message.ts';
import type { RecordMetadata } from '../../writer/writer.ts';
import { type HandlerOptions, setUpHandler } from '../handler-setup.ts';
import { invocationTrace } from '../invocation-trace.ts';
import { releaseMemoryAfterLargeInvocations } from '../memory-release.ts';
import { METRICS, MetricUnit } from '../observability.ts';
import { firstFailure } from '../schema-failures.ts';

export interface EventBridgeHandlerOptions extends HandlerOptions {
  /** Replaces the default mapping (detail as value, CloudEvents headers). */
  mapEvent?: (event: BridgeEvent, config: EventBridgeConfig) => Message;
}

/**
 * EventBridge rule target -> Kafka. A failed write throws, so Lambda's asynchronous retries and
 * then the target's dead-letter queue take over: nothing is acknowledged that Kafka did not take.
 */
export function createEventBridgeHandler(options: EventBridgeHandlerOptions = {}) {
  const {
    trigger: config,
    logger,
    metrics,
    warmWriter,
    writeOptions,
  } = setUpHandler(options, 'eventbridge-bridge', readEventBridgeConfig);
  const mapEvent = options.mapEvent ?? eventBridgeEventToMessage;

  async function bridge(event: BridgeEvent, context: Context): Promise<RecordMetadata> {
    logger.appendKeys({ correlation_id: event.id });
    // EventBridge hands its trace header to the function as the invocation's.
    const message = withTraceContext(mapEvent(event, config), pickTraceContext(invocationTrace()));
    const started = performance.now();
    try {
      const [record] = await warmWriter.write([message], context, writeOptions);
      metrics.addMetric(METRICS.written, MetricUnit.Count, 1);
      logger.info('event written', { source: event.source, detailType: event['detail-type'], ...record });
      return record as RecordMetadata;
    } catch (error) {
      metrics.addMetric(METRICS.failed, MetricUnit.Count, 1);
      const failure = firstFailure(error);
      if (failure instanceof SchemaValidationError) {
        // Lambda retries it all the same (an asynchronous invocation cannot say "do not retry"),
        // then the target's dead-letter queue keeps it for whoever fixes the sender.
        metrics.addMetric(METRICS.schemaRejected, MetricUnit.Count, 1);
        logger.error('the event does not match the schema; it ends in the DLQ after Lambda retries', {
          source: event.source,
          detailType: event['detail-type'],
          field: failure.field,
          error: failure.message,
        });
      } else if (failure instanceof SchemaRegistryError) {
        logger.error('the schema registry is unavailable; Lambda will retry', { error: failure.message });
      } else {
        logger.error('writing the event to Kafka failed; Lambda will retry', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
      throw error;
    } finally {
      metrics.addMetric(METRICS.writeLatency, MetricUnit.Milliseconds, performance.now() - started);
    }
  }

  return middy(bridge)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(releaseMemoryAfterLargeInvocations());
}
