import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type SecretCache, secretCache } from '../../auth/secrets.ts';
import { readWebhookConfig, type WebhookConfig } from '../../config/webhook-config.ts';
import { pickTraceContext, withTraceContext } from '../../mapping/trace-context.ts';
import {
  type ApiGatewayEvent,
  routeWebhook,
  toWebhookMessage,
  toWebhookRequest,
  type WebhookRequest,
  WebhookRequestError,
} from '../../mapping/webhook.ts';
import { bodyDigestOf, deliveryIdentityOf } from '../../mapping/webhook-idempotency.ts';
import type { Message } from '../../writer/message.ts';
import { type HandlerOptions, setUpHandler } from '../handler-setup.ts';
import { invocationTrace } from '../invocation-trace.ts';
import { releaseMemoryAfterLargeInvocations } from '../memory-release.ts';
import { METRICS, MetricUnit, type Observability } from '../observability.ts';
import type { WarmWriteOptions, WarmWriter } from '../warm-writer.ts';
import { type IdempotentOutcome, WebhookIdempotency } from './idempotency.ts';
import { classifyError, problemResponse, recordsResponse, type WebhookResult } from './problem.ts';
import { verifySignature } from './signatures.ts';
import { WebhookSecret } from './webhook-secret.ts';

/** What a caller may pass to createWebhookHandler; everything defaults to the container's own. */
export interface WebhookHandlerOptions extends HandlerOptions {
  /** Cache `WEBHOOK_SECRET_ARN` is read through. @default the container's secretCache */
  secrets?: SecretCache;
  /** Least time between secret refetches after signature mismatches. @default 30_000 */
  minSecretRefetchIntervalMs?: number;
  /**
   * The client `WEBHOOK_IDEMPOTENCY_TABLE` is used through.
   * @default a DynamoDBClient configured by the environment, created at the first keyed request
   */
  idempotencyClient?: DynamoDBClient;
}

/** The deployable webhook handler: API Gateway payload 2.0 or 1.0 in, proxy result out. */
export type WebhookHandler = MiddyfiedHandler<ApiGatewayEvent, WebhookResult, Error, Context>;

/**
 * Creates the webhook Lambda handler for `POST /webhooks/{topic}`. Configuration is read once,
 * here (the cold start), and every problem is thrown together as one ConfigError. The Writer,
 * logger, metrics and secret live as long as the returned handler, so warm invocations reuse them.
 *
 * Each request: topic on the allow-list (404), POST (405), size (413), signature (401), media
 * type (415), body and key (400), then one Kafka message written within the invocation's time:
 * 200 with its topic/partition/offset, 503 + Retry-After when Kafka is unavailable, 500 for bugs
 * and configuration. No error escapes as an exception (API Gateway would turn it into a bare 502).
 *
 * With `WEBHOOK_IDEMPOTENCY_TABLE`, a request carrying a delivery id (see webhook-idempotency.ts) is
 * written once: its retries get the first answer (409 while it is in flight, 422 for another
 * body, 503 when DynamoDB cannot be used).
 *
 * @example
 * // functions/webhook/index.ts
 * export const handler = createWebhookHandler();
 */
export function createWebhookHandler(options: WebhookHandlerOptions = {}): WebhookHandler {
  const {
    trigger: config,
    observability,
    warmWriter,
    writeOptions,
  } = setUpHandler(options, 'webhook', readWebhookConfig);
  const { logger, metrics } = observability;
  const secret = new WebhookSecret({
    source: config.secret,
    scheme: config.signature,
    secrets: options.secrets ?? secretCache,
    ...(options.minSecretRefetchIntervalMs === undefined
      ? {}
      : { minRefetchIntervalMs: options.minSecretRefetchIntervalMs }),
  });
  const idempotency =
    config.idempotency &&
    new WebhookIdempotency({
      ...config.idempotency,
      ...(options.idempotencyClient ? { client: options.idempotencyClient } : {}),
    });
  const handle = webhookCore(config, warmWriter, writeOptions, observability, secret, idempotency);
  return middy<ApiGatewayEvent, WebhookResult, Error, Context>(handle, {
    // Should the invocation run out of time anyway, the sender still gets a 503 it can retry on.
    timeoutEarlyResponse: () =>
      problemResponse('broker-unavailable', 'the request ran out of time; retry later'),
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(releaseMemoryAfterLargeInvocations());
}

function webhookCore(
  config: WebhookConfig,
  warmWriter: WarmWriter,
  writeOptions: WarmWriteOptions,
  { logger, metrics }: Observability,
  secret: WebhookSecret,
  idempotency: WebhookIdempotency | undefined,
): (event: ApiGatewayEvent, context: Context) => Promise<WebhookResult> {
  /** Throws a 401 unless the signature verifies, with the cached secret or a rotated one. */
  async function verify(request: WebhookRequest): Promise<void> {
    if (config.signature === 'none') return;
    const options = { nowSeconds: Math.floor(Date.now() / 1000), toleranceSeconds: config.toleranceSeconds };
    const current = await secret.current();
    let verdict = verifySignature(config.signature, current, request, options);
    if (!verdict.valid && verdict.failure === 'mismatch') {
      const rotated = await secret.rotated(current);
      if (rotated !== undefined) {
        logger.info('webhook secret changed in Secrets Manager; verifying with the new one');
        verdict = verifySignature(config.signature, rotated, request, options);
      }
    }
    if (!verdict.valid) throw new WebhookRequestError('invalid-signature', verdict.detail);
  }

  /** Writes the message, once per delivery when deduplication is on and the request has a key. */
  async function writeOnce(
    request: WebhookRequest,
    topic: string,
    message: Message,
    context: Context,
  ): Promise<IdempotentOutcome> {
    const write = async () => {
      const started = performance.now();
      const records = await warmWriter.write([message], context, writeOptions);
      metrics.addMetric(METRICS.writeLatency, MetricUnit.Milliseconds, performance.now() - started);
      metrics.addMetric(METRICS.written, MetricUnit.Count, records.length);
      return records;
    };
    const functionName = context?.functionName || process.env.AWS_LAMBDA_FUNCTION_NAME || 'webhook';
    const identity =
      idempotency && deliveryIdentityOf(request, config.signature, { function: functionName, topic });
    if (!idempotency || !identity) return { records: await write(), replayed: false };
    const outcome = await idempotency.write(identity, bodyDigestOf(request), context, write);
    if (outcome.unsavedBecause !== undefined) {
      // Kafka has the message; only a retry after this invocation's time could write it twice.
      logger.error('webhook written, but its answer was not stored for retries', {
        topic,
        error: outcome.unsavedBecause,
      });
    }
    return outcome;
  }

  return async function webhook(event, context) {
    let request: WebhookRequest | undefined;
    let requestId: string | undefined = context?.awsRequestId;
    try {
      request = toWebhookRequest(event);
      requestId = request.requestId ?? requestId;
      if (requestId) logger.setCorrelationId(requestId);
      const topic = routeWebhook(request, config);
      await verify(request);
      // The sender's W3C context first, then API Gateway's X-Ray header, then the invocation's.
      const trace = pickTraceContext(
        { traceparent: request.headers.traceparent, tracestate: request.headers.tracestate },
        { xray: request.headers['x-amzn-trace-id'] },
        invocationTrace(),
      );
      const message = withTraceContext(toWebhookMessage(request, topic, config), trace);
      const { records, replayed } = await writeOnce(request, topic, message, context);
      const first = records[0];
      logger.info(replayed ? 'webhook replayed' : 'webhook written', {
        topic,
        partition: first?.partition,
        offset: first?.offset,
        bytes: request.body.length,
      });
      if (replayed) metrics.addMetric(METRICS.replayed, MetricUnit.Count, 1);
      return recordsResponse(records, replayed);
    } catch (error) {
      const { problem, detail, errors } = classifyError(error);
      const response = problemResponse(problem, detail, requestId, errors);
      const fields = {
        status: response.statusCode,
        problem,
        detail,
        path: request?.path,
        method: request?.method,
      };
      if (response.statusCode < 500) {
        logger.warn('webhook rejected', fields);
        // A rejected request records no other metric, so the status dimension (cleared when
        // logMetrics publishes at the end of the invocation) applies to this count alone.
        metrics.addDimension('status', String(response.statusCode));
        metrics.addMetric(METRICS.rejected, MetricUnit.Count, 1);
        if (problem === 'invalid-value') metrics.addMetric(METRICS.schemaRejected, MetricUnit.Count, 1);
      } else {
        // Writer and secret errors name no secret values, so the error itself is safe to log.
        logger.error('webhook failed', { ...fields, error });
        metrics.addMetric(METRICS.failed, MetricUnit.Count, 1);
      }
      return response;
    }
  };
}
