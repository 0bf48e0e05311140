import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readSqsConfig, type SqsConfig } from '../../config/sqs-config.ts';
import { sqsRecordToMessage } from '../../mapping/sqs.ts';
import { WriteErrors } from '../../writer/errors.ts';
import type { Message } from '../../writer/message.ts';
import { type HandlerOptions, setUpHandler } from '../handler-setup.ts';
import { METRICS, MetricUnit } from '../observability.ts';
import { batchItemFailures } from './partial-batch.ts';

export interface SqsHandlerOptions extends HandlerOptions {
  /** Replaces the default record mapping (body -> value, attributes -> headers). */
  mapRecord?: (record: SQSEvent['Records'][number], config: SqsConfig) => Message;
}

/**
 * The SQS -> Kafka bridge. Every record of the batch is written in one Writer call; the answer is
 * a partial batch response, so SQS deletes only what Kafka acknowledged and hands the rest back
 * (to be retried and, after maxReceiveCount, dead-lettered). Config is read once, at cold start.
 *
 * @example
 * export const handler = createSqsHandler();
 */
export function createSqsHandler(options: SqsHandlerOptions = {}) {
  const { trigger: config, logger, metrics, warmWriter } = setUpHandler(options, 'sqs-bridge', readSqsConfig);
  const mapRecord = options.mapRecord ?? sqsRecordToMessage;

  async function bridge(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const records = event.Records ?? [];
    const failed = new Set<number>();
    const messages: Message[] = [];
    const indexOf: number[] = [];
    records.forEach((record, index) => {
      try {
        messages.push({ ...mapRecord(record, config), topic: config.topic });
        indexOf.push(index);
      } catch (error) {
        failed.add(index);
        logger.warn('record cannot be mapped to a Kafka message', {
          messageId: record.messageId,
          error: String(error),
        });
      }
    });

    const started = performance.now();
    if (messages.length > 0) {
      try {
        await warmWriter.write(messages, context);
      } catch (error) {
        if (error instanceof WriteErrors) {
          error.errors.forEach((e, i) => {
            if (e) failed.add(indexOf[i] as number);
          });
        } else {
          for (const index of indexOf) failed.add(index);
        }
        logger.error('writing to Kafka failed', {
          error: error instanceof Error ? error.message : String(error),
          failedRecords: failed.size,
          firstMessageId: records[[...failed][0] ?? 0]?.messageId,
        });
      }
    }
    metrics.addMetric(METRICS.writeLatency, MetricUnit.Milliseconds, performance.now() - started);

    const batchFailures = batchItemFailures(records, failed);
    metrics.addMetric(METRICS.written, MetricUnit.Count, records.length - batchFailures.length);
    metrics.addMetric(METRICS.failed, MetricUnit.Count, batchFailures.length);
    return { batchItemFailures: batchFailures };
  }

  return middy(bridge).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
