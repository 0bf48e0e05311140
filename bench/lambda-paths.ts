/**
 * The Lambda paths, end to end in-process: the deployable SQS and webhook handlers (middy,
 * Powertools, config from env, the container's warm Writer) fed Lambda-shaped events.
 */

import { Console } from 'node:console';
import { createHmac, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, EventBridgeEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Observability } from '../lib/lambda/observability.ts';
import { createSqsHandler } from '../lib/lambda/sqs/handler.ts';
import { createWebhookHandler } from '../lib/lambda/webhook/handler.ts';
import { createLambdaContext } from '../scripts/local/lambda-context.ts';
import { sqsRecord } from '../test/support/sqs-events.ts';
import { type Contender, timedCalls } from './contender.ts';
import { keyOf } from './workload.ts';

/** Lambda's SQS maximum function timeout is 15 min; 60 s is a typical bridge setting. */
const TIMEOUT_MS = 60_000;

/**
 * Powertools logger and metrics as deployed (INFO logs, EMF metrics serialized on every
 * invocation) whose output goes nowhere: the table stays readable and the cost is still paid.
 */
export function discardingObservability(serviceName: string): Observability {
  const sink = new Console({ stdout: discard(), stderr: discard() });
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ serviceName, namespace: 'Bench' });
  Object.assign(logger, { console: sink });
  Object.assign(metrics, { console: sink });
  return { logger, metrics };
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

/** SQS records as Lambda delivers them: body = the value, the key in a message attribute. */
export function sqsRecords(count: number, valueBytes: number, firstIndex = 0): SQSRecord[] {
  const body = 'x'.repeat(valueBytes);
  const sentTimestamp = Date.now();
  return Array.from({ length: count }, (_, n) =>
    sqsRecord(body, {
      id: randomUUID(),
      sentTimestamp,
      attributes: {
        key: {
          stringValue: keyOf(firstIndex + n),
          dataType: 'String',
          stringListValues: [],
          binaryListValues: [],
        },
      },
    }),
  );
}

/**
 * The deployable SQS handler over `brokers`, writing to `topic`, keyed by the `key` attribute;
 * `kafkaEnv` adds `KAFKA_*` settings (TLS, SASL).
 */
export function benchSqsHandler(brokers: string[], topic: string, kafkaEnv: Record<string, string> = {}) {
  return createSqsHandler({
    env: { KAFKA_BROKERS: brokers.join(','), ...kafkaEnv, KAFKA_TOPIC: topic, SQS_KEY: 'attribute:key' },
    observability: discardingObservability('bench-sqs'),
  });
}

/** Invokes the SQS handler once and fails loudly unless every record was acknowledged. */
export async function invokeSqs(handler: ReturnType<typeof benchSqsHandler>, event: SQSEvent): Promise<void> {
  const context = createLambdaContext({ functionName: 'bench-sqs', timeoutMs: TIMEOUT_MS });
  const answer = await handler(event, context);
  if (answer.batchItemFailures.length > 0) {
    throw new Error(
      `SQS handler failed ${answer.batchItemFailures.length} of ${event.Records.length} records`,
    );
  }
}

/** The SQS path as a throughput contender: one invocation per `chunk` records. */
export function sqsContender(options: {
  brokers: string[];
  topic: string;
  messages: number;
  valueBytes: number;
  chunk: number;
}): Contender {
  const handler = benchSqsHandler(options.brokers, options.topic);
  const events: SQSEvent[] = [];
  for (let i = 0; i < options.messages; i += options.chunk) {
    events.push({
      Records: sqsRecords(Math.min(options.chunk, options.messages - i), options.valueBytes, i),
    });
  }
  return {
    id: 'sqs-handler',
    name: `SQS handler (invocations of ${options.chunk} records)`,
    kind: 'lambda',
    note: 'adds 4 headers per record (ids, ARN, attribute)',
    round: (onCall) => timedCalls(events, (event) => invokeSqs(handler, event), onCall),
    // The container's warm Writer is closed with the others at the end (clearContainerWarmWriter).
    close: async () => {},
  };
}

/**
 * Times `invocations` SQS invocations of `records` records each (after one warm-up invocation):
 * from the handler call to its partial batch response, i.e. delivered and acknowledged.
 */
export async function bigSqsInvocations(options: {
  brokers: string[];
  topic: string;
  records: number;
  valueBytes: number;
  invocations: number;
}): Promise<number[]> {
  const handler = benchSqsHandler(options.brokers, options.topic);
  const times: number[] = [];
  for (let i = 0; i <= options.invocations; i++) {
    const event = { Records: sqsRecords(options.records, options.valueBytes) };
    const start = performance.now();
    await invokeSqs(handler, event);
    if (i > 0) times.push(performance.now() - start);
  }
  return times;
}

const WEBHOOK_SECRET = `whsec_${Buffer.from('bench secret, thirty-two bytes!!').toString('base64')}`;

/**
 * The deployable webhook handler (Standard Webhooks signatures, key from a header); `kafkaEnv`
 * adds `KAFKA_*` settings (TLS, SASL).
 */
export function benchWebhookHandler(brokers: string[], topic: string, kafkaEnv: Record<string, string> = {}) {
  return createWebhookHandler({
    env: {
      KAFKA_BROKERS: brokers.join(','),
      ...kafkaEnv,
      WEBHOOK_TOPICS: topic,
      WEBHOOK_SIGNATURE: 'standard-webhooks',
      WEBHOOK_SECRET,
      WEBHOOK_KEY: 'header:x-key',
    },
    observability: discardingObservability('bench-webhook'),
  });
}

/**
 * API Gateway HTTP API (payload 2.0) events, signed like a Standard Webhooks sender does: a JSON
 * body of `valueBytes` bytes. Built before timing, so the sender's HMAC is not counted.
 */
export function webhookEvents(topic: string, count: number, valueBytes: number): APIGatewayProxyEventV2[] {
  const key = Buffer.from(WEBHOOK_SECRET.slice('whsec_'.length), 'base64');
  const timestamp = String(Math.floor(Date.now() / 1000));
  const filler = 'x'.repeat(Math.max(0, valueBytes - '{"data":""}'.length));
  const body = `{"data":"${filler}"}`;
  return Array.from({ length: count }, (_, i) => {
    const id = `msg_${randomUUID()}`;
    const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
    return httpApiRequest(topic, {
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.length),
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': `v1,${signature}`,
        'x-key': keyOf(i),
      },
      body,
      isBase64Encoded: false,
    });
  });
}

/** An API Gateway HTTP API (payload 2.0) request to `POST /webhooks/{topic}`. */
export function httpApiRequest(
  topic: string,
  request: Pick<APIGatewayProxyEventV2, 'headers' | 'body' | 'isBase64Encoded'>,
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/{topic}',
    rawPath: `/webhooks/${topic}`,
    rawQueryString: '',
    headers: request.headers,
    pathParameters: { topic },
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench',
      domainName: 'bench.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'bench',
      http: {
        method: 'POST',
        path: `/webhooks/${topic}`,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: randomUUID(),
      routeKey: 'POST /webhooks/{topic}',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: request.body,
    isBase64Encoded: request.isBase64Encoded,
  };
}

/** Invokes the webhook handler once and fails loudly unless it answered 200. */
export async function invokeWebhook(
  handler: ReturnType<typeof benchWebhookHandler>,
  event: APIGatewayProxyEventV2,
): Promise<void> {
  const context = createLambdaContext({ functionName: 'bench-webhook', timeoutMs: 30_000 });
  const result = await handler(event, context);
  if (result.statusCode !== 200) throw new Error(`webhook answered ${result.statusCode}: ${result.body}`);
}

/** An EventBridge `OrderCreated` event from a custom bus, with the given detail. */
export function orderCreatedEvent<Detail>(detail: Detail): EventBridgeEvent<'OrderCreated', Detail> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'OrderCreated',
    source: 'com.example.orders',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}
