/**
 * Test helpers for the webhook: API Gateway events from the fixtures, a Lambda context, quiet
 * observability, and request signing written from each scheme's documentation (independently of
 * lib/lambda/webhook/signatures.ts, so a shared misunderstanding cannot pass unnoticed).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Observability } from '../../../lib/lambda/observability.ts';

const FIXTURES = new URL('../../fixtures/apigw/', import.meta.url);

/** A fixture event, parsed afresh (tests may mutate it). */
export function fixture<T = APIGatewayProxyEventV2 | APIGatewayProxyEvent>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

/** The fixture names, by payload version. */
export const FIXTURES_V2 = [
  'http-api-v2-json.json',
  'http-api-v2-binary.json',
  'http-api-v2-form.json',
] as const;
export const FIXTURES_V1 = [
  'rest-api-v1-json.json',
  'rest-api-v1-text.json',
  'rest-api-v1-binary.json',
] as const;

/** What a test request consists of. */
export interface RequestSpec {
  version?: '1.0' | '2.0';
  topic?: string;
  method?: string;
  /** The body bytes; sent base64-encoded when `base64` is true (as API Gateway does for binary). */
  body?: Buffer | string;
  base64?: boolean;
  headers?: Record<string, string>;
  requestId?: string;
}

/** A real-shaped API Gateway event (from the fixtures) carrying the given request. */
export function apiEvent(spec: RequestSpec = {}): APIGatewayProxyEventV2 | APIGatewayProxyEvent {
  const topic = spec.topic ?? 'orders';
  const method = spec.method ?? 'POST';
  const bytes = Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body ?? '{}', 'utf8');
  const base64 = spec.base64 ?? false;
  const body = base64 ? bytes.toString('base64') : bytes.toString('utf8');
  const headers = spec.headers ?? { 'content-type': 'application/json' };
  const requestId = spec.requestId ?? randomUUID();
  if (spec.version === '1.0') {
    const event = fixture<APIGatewayProxyEvent>('rest-api-v1-json.json');
    event.httpMethod = method;
    event.path = `/webhooks/${topic}`;
    event.pathParameters = { topic };
    event.headers = headers;
    event.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
    event.body = body;
    event.isBase64Encoded = base64;
    event.requestContext.httpMethod = method;
    event.requestContext.requestId = requestId;
    return event;
  }
  const event = fixture<APIGatewayProxyEventV2>('http-api-v2-json.json');
  event.rawPath = `/webhooks/${topic}`;
  event.pathParameters = { topic };
  event.requestContext.http.method = method;
  event.requestContext.http.path = event.rawPath;
  event.requestContext.requestId = requestId;
  event.headers = headers;
  event.body = body;
  event.isBase64Encoded = base64;
  return event;
}

/** The three lines of a Lambda context the bridge and middy use. */
export function lambdaContext(remainingMs = 30_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    awsRequestId: randomUUID(),
    functionName: 'webhook-test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as Context;
}

const SILENT = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Logger and metrics that print nothing (metrics are disabled by POWERTOOLS_METRICS_DISABLED). */
export function quietObservability(): Observability {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  return {
    logger: new Logger({ serviceName: 'webhook-test', logLevel: 'SILENT' }),
    metrics: new Metrics({ serviceName: 'webhook-test', namespace: 'Test', logger: SILENT }),
  };
}

/** Unix seconds now. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random-looking bytes. */
export const STANDARD_SECRET = `whsec_${Buffer.from('a standard webhooks test key 32b').toString('base64')}`;

/** Standard Webhooks headers: HMAC-SHA256 over `${id}.${ts}.${body}` keyed by the base64 after whsec_. */
export function standardWebhooksHeaders(
  secret: string,
  body: Buffer | string,
  { id = `msg_${randomUUID()}`, timestamp = nowSeconds() }: { id?: string; timestamp?: number } = {},
): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key);
  mac.update(`${id}.${timestamp}.`);
  mac.update(typeof body === 'string' ? Buffer.from(body) : body);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${mac.digest('base64')}`,
  };
}

/** GitHub's X-Hub-Signature-256: `sha256=` + hex HMAC of the body, keyed by the secret's bytes. */
export function gitHubSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Stripe's Stripe-Signature: `t=<ts>,v1=<hex HMAC of "${t}.${body}">`, keyed by the whole secret. */
export function stripeSignature(secret: string, body: Buffer | string, timestamp = nowSeconds()): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** The plain X-Signature: `sha256=` + hex HMAC of the body. */
export function hmacSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Parses a handler result's JSON body. */
export function bodyOf(result: { body?: string }): Record<string, unknown> {
  return JSON.parse(result.body ?? '{}') as Record<string, unknown>;
}
