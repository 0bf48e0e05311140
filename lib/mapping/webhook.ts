/**
 * API Gateway webhook requests -> Kafka messages. Pure: no I/O, no clock, no secrets.
 *
 * Both payloads API Gateway hands a Lambda are understood: HTTP API payload format 2.0 and REST API
 * (and HTTP API) format 1.0. A request becomes one message:
 *
 * - value: the body bytes exactly as received (base64 bodies decoded, nothing re-serialised), so a
 *   consumer can verify the sender's signature again;
 * - key: per `WEBHOOK_KEY` (a header, a JSON pointer into the body, a path parameter, or none);
 *   a number found by a JSON pointer keeps its source text, so 64-bit ids stay distinct;
 * - headers: `content-type` (as received), `webhook-delivery-id` (the scheme's delivery id:
 *   `webhook-id`, `X-GitHub-Delivery`), `webhook-event-type` (GitHub's `X-GitHub-Event`, the only
 *   place GitHub names the event) and `x-request-id` (API Gateway's request id, the correlation id
 *   the function's logs carry too).
 *
 * Accepted media types: JSON (`application/json`, `application/*+json`, validated), `text/*`,
 * XML (`application/xml`, `application/*+xml`), `application/x-www-form-urlencoded` (GitHub's form
 * deliveries), `application/octet-stream`, and no Content-Type at all (read as octet-stream, as
 * RFC 9110 §8.3 allows). Anything else, multipart included, is a 415.
 */

import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  DELIVERY_ID_HEADERS,
  type WebhookConfig,
  type WebhookKeySource,
  type WebhookSignatureScheme,
} from '../config/webhook-config.ts';
import type { Message } from '../writer/message.ts';
import { resolvePointerInSource } from './json-source-pointer.ts';

/** An API Gateway proxy event: HTTP API payload 2.0 or REST API payload 1.0. */
export type ApiGatewayEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent;

/** Why a request is refused; each is the client's mistake and has its own HTTP status. */
export const WebhookRejection = {
  TopicNotFound: 'topic-not-found',
  MethodNotAllowed: 'method-not-allowed',
  PayloadTooLarge: 'payload-too-large',
  UnsupportedMediaType: 'unsupported-media-type',
  MalformedBody: 'malformed-body',
  MissingKey: 'missing-key',
  InvalidSignature: 'invalid-signature',
  /** The first request with this idempotency key is still being written. */
  RequestInProgress: 'request-in-progress',
  /** The idempotency key was used before with a different body. */
  IdempotencyKeyReused: 'idempotency-key-reused',
} as const;
export type WebhookRejection = (typeof WebhookRejection)[keyof typeof WebhookRejection];

/** The HTTP status of each rejection. */
export const REJECTION_STATUS: Readonly<Record<WebhookRejection, number>> = {
  'topic-not-found': 404,
  'method-not-allowed': 405,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'malformed-body': 400,
  'missing-key': 400,
  'invalid-signature': 401,
  'request-in-progress': 409,
  'idempotency-key-reused': 422,
};

/**
 * A request the client got wrong. `detail` is safe to show the client: it never quotes the body
 * or a secret.
 */
export class WebhookRequestError extends Error {
  readonly retriable = false;

  constructor(
    readonly rejection: WebhookRejection,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
    this.name = 'WebhookRequestError';
  }

  /** The HTTP status to answer with. */
  get status(): number {
    return REJECTION_STATUS[this.rejection];
  }
}

/** The parts of a request the webhook uses, the same for both payload versions. */
export interface WebhookRequest {
  version: '1.0' | '2.0';
  method: string;
  /** The request path as API Gateway saw it (without the stage for the default endpoint). */
  path: string;
  pathParameters: Readonly<Record<string, string>>;
  /** Header names lower-cased; repeated headers joined with commas (as payload 2.0 does). */
  headers: Readonly<Record<string, string>>;
  /** The body bytes as the client sent them. */
  body: Buffer;
  /** API Gateway's request id: the correlation id of logs and of the message. */
  requestId: string | undefined;
}

/** What a media type is, for the checks it gets. */
export type BodyKind = 'json' | 'text' | 'form' | 'binary';

/** Whether an event is payload format 2.0 (HTTP API) rather than 1.0. */
export function isPayloadV2(event: ApiGatewayEvent): event is APIGatewayProxyEventV2 {
  return (event as { version?: unknown }).version === '2.0';
}

/**
 * Normalises an API Gateway event. A body flagged `isBase64Encoded` is decoded (malformed base64
 * is a 400); any other body is taken as the UTF-8 text API Gateway passed.
 */
export function toWebhookRequest(event: ApiGatewayEvent): WebhookRequest {
  const raw = (event ?? {}) as Partial<APIGatewayProxyEventV2 & APIGatewayProxyEvent>;
  const v2 = raw.version === '2.0';
  const context = (raw.requestContext ?? {}) as Partial<
    APIGatewayProxyEventV2['requestContext'] & APIGatewayProxyEvent['requestContext']
  >;
  const method = String(
    (v2 ? context.http?.method : raw.httpMethod) ?? context.httpMethod ?? '',
  ).toUpperCase();
  const path = String((v2 ? raw.rawPath : raw.path) ?? context.http?.path ?? '');
  const requestId =
    typeof context.requestId === 'string' && context.requestId !== '' ? context.requestId : undefined;
  return {
    version: v2 ? '2.0' : '1.0',
    method,
    path,
    pathParameters: stringRecord(raw.pathParameters),
    headers: v2
      ? lowerCaseHeaders(raw.headers, undefined)
      : lowerCaseHeaders(raw.headers, raw.multiValueHeaders),
    body: decodeBody(raw.body, raw.isBase64Encoded === true),
    requestId,
  };
}

/**
 * Checks route, method and size: the topic must be on the allow-list (404), the method POST (405)
 * and the body within `maxBytes` (413). Returns the topic. Runs before the signature check so an
 * unknown route or a huge body costs no HMAC.
 */
export function routeWebhook(
  request: WebhookRequest,
  config: Pick<WebhookConfig, 'topics' | 'maxBytes'>,
): string {
  const topic = topicOf(request);
  if (topic === undefined || !config.topics.has(topic)) {
    throw new WebhookRequestError(
      WebhookRejection.TopicNotFound,
      topic === undefined ? 'the route is POST /webhooks/{topic}' : 'this topic does not accept webhooks',
    );
  }
  if (request.method !== 'POST') {
    throw new WebhookRequestError(WebhookRejection.MethodNotAllowed, 'webhooks are delivered with POST');
  }
  if (request.body.length > config.maxBytes) {
    throw new WebhookRequestError(
      WebhookRejection.PayloadTooLarge,
      `the body has ${request.body.length} bytes; at most ${config.maxBytes} are accepted`,
    );
  }
  return topic;
}

/** The topic a request names: the `{topic}` path parameter, else the segment after `/webhooks/`. */
export function topicOf(request: WebhookRequest): string | undefined {
  const param = request.pathParameters.topic;
  if (param !== undefined && param !== '') return param;
  const match = /\/webhooks\/([^/]+)\/?$/.exec(request.path);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

/**
 * Builds the message of an accepted request (after its signature was checked): checks the media
 * type (415), that a JSON body parses (400) and that the key's source is there (400).
 */
export function toWebhookMessage(
  request: WebhookRequest,
  topic: string,
  config: Pick<WebhookConfig, 'key' | 'signature'>,
): Message {
  const contentType = request.headers['content-type'];
  const kind = bodyKindOf(contentType);
  const jsonText = kind === 'json' ? parseJsonBody(request.body) : undefined;
  const headers: Record<string, string> = {};
  if (contentType !== undefined) headers['content-type'] = contentType;
  const deliveryId = deliveryIdOf(request, config.signature);
  if (deliveryId !== undefined) headers['webhook-delivery-id'] = deliveryId;
  const eventType = config.signature === 'github' ? request.headers['x-github-event'] : undefined;
  if (eventType) headers['webhook-event-type'] = eventType;
  if (request.requestId !== undefined) headers['x-request-id'] = request.requestId;
  return {
    topic,
    key: keyOf(request, config.key, jsonText),
    value: request.body,
    headers,
  };
}

/** The scheme's delivery id, when the scheme has one and the request carries it. */
export function deliveryIdOf(request: WebhookRequest, signature: WebhookSignatureScheme): string | undefined {
  const header = DELIVERY_ID_HEADERS[signature];
  const value = header === undefined ? undefined : request.headers[header];
  return value === '' ? undefined : value;
}

/** Classifies a Content-Type; throws a 415 for media types the webhook does not accept. */
export function bodyKindOf(contentType: string | undefined): BodyKind {
  if (contentType === undefined || contentType.trim() === '') return 'binary';
  const match = /^\s*([!#$%&'*+.^_`|~0-9a-z-]+)\/([!#$%&'*+.^_`|~0-9a-z-]+)\s*(;.*)?$/i.exec(contentType);
  if (!match) {
    throw new WebhookRequestError(
      WebhookRejection.UnsupportedMediaType,
      'the Content-Type header is not a media type',
    );
  }
  const type = (match[1] ?? '').toLowerCase();
  const subtype = (match[2] ?? '').toLowerCase();
  if (type === 'application' && (subtype === 'json' || subtype.endsWith('+json'))) return 'json';
  if (type === 'text') return 'text';
  if (type === 'application' && (subtype === 'xml' || subtype.endsWith('+xml'))) return 'text';
  if (type === 'application' && subtype === 'x-www-form-urlencoded') return 'form';
  if (type === 'application' && subtype === 'octet-stream') return 'binary';
  throw new WebhookRequestError(
    WebhookRejection.UnsupportedMediaType,
    `${type}/${subtype} is not accepted; send JSON, text, XML, form-encoded or application/octet-stream`,
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as JSON text (a leading BOM dropped), checked to parse; a 400 when it does not. */
function parseJsonBody(body: Buffer): string {
  try {
    // JSON exchanged between systems is UTF-8 (RFC 8259 §8.1); a leading BOM is tolerated.
    const text = utf8.decode(body);
    JSON.parse(text);
    return text;
  } catch (error) {
    throw new WebhookRequestError(
      WebhookRejection.MalformedBody,
      'the Content-Type says JSON but the body is not valid UTF-8 JSON',
      { cause: error },
    );
  }
}

function keyOf(
  request: WebhookRequest,
  source: WebhookKeySource,
  jsonText: string | undefined,
): string | null {
  switch (source.kind) {
    case 'none':
      return null;
    case 'header': {
      const value = request.headers[source.name];
      if (value === undefined || value === '') {
        throw new WebhookRequestError(
          WebhookRejection.MissingKey,
          `the key header ${source.name} is missing`,
        );
      }
      return value;
    }
    case 'path': {
      const value = request.pathParameters[source.name];
      if (value === undefined || value === '') {
        throw new WebhookRequestError(
          WebhookRejection.MissingKey,
          `the key path parameter ${source.name} is missing`,
        );
      }
      return value;
    }
    case 'json': {
      if (jsonText === undefined) {
        throw new WebhookRequestError(
          WebhookRejection.MissingKey,
          `the key is read from JSON (${source.pointer || '""'}) but the Content-Type is not JSON`,
        );
      }
      // From the source text, not the parsed value: JSON.parse rounds integers beyond 2^53.
      const found = resolvePointerInSource(jsonText, source.tokens);
      if (found?.type === 'string') return found.value;
      if (found?.type === 'number') return found.text;
      if (found?.type === 'boolean') return String(found.value);
      throw new WebhookRequestError(
        WebhookRejection.MissingKey,
        found === undefined
          ? `the body has nothing at the key pointer ${source.pointer || '""'}`
          : `the value at the key pointer ${source.pointer || '""'} is not a string, number or boolean`,
      );
    }
  }
}

function decodeBody(body: unknown, base64: boolean): Buffer {
  if (body === null || body === undefined) return Buffer.alloc(0);
  const text = String(body);
  if (!base64) return Buffer.from(text, 'utf8');
  // Node's decoder skips what it cannot read; a body API Gateway encoded is always well-formed.
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new WebhookRequestError(
      WebhookRejection.MalformedBody,
      'the body is flagged base64 but is not valid base64',
    );
  }
  return Buffer.from(compact, 'base64');
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [name, item] of Object.entries(value)) {
    if (typeof item === 'string') out[name] = item;
  }
  return out;
}

function lowerCaseHeaders(single: unknown, multi: unknown): Record<string, string> {
  const lists = new Map<string, string[]>();
  const add = (name: string, values: string[]) => {
    const key = name.toLowerCase();
    lists.set(key, [...(lists.get(key) ?? []), ...values]);
  };
  const multiple = isRecord(multi) ? multi : {};
  for (const [name, values] of Object.entries(multiple)) {
    if (Array.isArray(values))
      add(
        name,
        values.filter((v): v is string => typeof v === 'string'),
      );
  }
  if (isRecord(single)) {
    for (const [name, value] of Object.entries(single)) {
      // Payload 1.0 repeats each header in multiValueHeaders, which holds every value.
      if (typeof value === 'string' && !Array.isArray(multiple[name])) add(name, [value]);
    }
  }
  // No prototype: a header named __proto__ is a header like any other, not a prototype to set.
  const out: Record<string, string> = Object.create(null);
  for (const [name, values] of lists) out[name] = values.join(',');
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}
