import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { readWebhookConfig, type WebhookConfig } from '../../../lib/config/webhook-config.ts';
import {
  bodyKindOf,
  routeWebhook,
  toWebhookMessage,
  toWebhookRequest,
  WebhookRequestError,
} from '../../../lib/mapping/webhook.ts';
import { apiEvent, FIXTURES_V1, FIXTURES_V2, fixture, STANDARD_SECRET } from './support.ts';

function config(env: Record<string, string> = {}): WebhookConfig {
  const { config, problems } = readWebhookConfig({ WEBHOOK_TOPICS: 'orders', ...env });
  expect(problems).toEqual([]);
  return config;
}

/** The error a mapping step throws, for its status and text. */
function rejection(run: () => unknown): WebhookRequestError {
  try {
    run();
  } catch (error) {
    if (error instanceof WebhookRequestError) return error;
    throw error;
  }
  throw new Error('expected a WebhookRequestError');
}

/** The body bytes a fixture's client sent, decoded independently of the mapper. */
function sentBytes(event: { body?: string | null | undefined; isBase64Encoded: boolean }): Buffer {
  return Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
}

describe('toWebhookRequest', () => {
  it.each([...FIXTURES_V2, ...FIXTURES_V1])('reads %s', (name) => {
    const event = fixture(name);
    const request = toWebhookRequest(event);
    expect(request.version).toBe(name.startsWith('http-api-v2') ? '2.0' : '1.0');
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/webhooks/orders');
    expect(request.pathParameters).toEqual({ topic: 'orders' });
    expect(request.body.equals(sentBytes(event))).toBe(true);
    expect(request.requestId).toBe(event.requestContext.requestId);
    for (const name of Object.keys(request.headers)) expect(name).toBe(name.toLowerCase());
    expect(request.headers['content-type']).toBeDefined();
  });

  it('keeps headers whatever their name, __proto__ and constructor included (v2 and v1)', () => {
    for (const name of ['http-api-v2-json.json', 'rest-api-v1-json.json']) {
      const event = fixture(name);
      // As JSON.parse hands them over: own properties named like Object.prototype's.
      event.headers = JSON.parse('{"__proto__":"p","Constructor":"c","content-type":"application/json"}');
      if ('multiValueHeaders' in event) {
        event.multiValueHeaders = JSON.parse(
          '{"__proto__":["p"],"Constructor":["c"],"content-type":["application/json"]}',
        );
      }
      const { headers } = toWebhookRequest(event);
      expect(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value, name).toBe('p');
      expect(headers.constructor, name).toBe('c');
      expect(Object.keys(headers).sort(), name).toEqual(['__proto__', 'constructor', 'content-type']);
    }
  });

  it('keeps binary bytes exactly (every byte value, invalid UTF-8 included)', () => {
    expect(toWebhookRequest(fixture('http-api-v2-binary.json')).body).toEqual(
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    );
    expect(toWebhookRequest(fixture('rest-api-v1-binary.json')).body).toEqual(
      Buffer.from([0x00, 0xff, 0x80, 0x7f, 0x0a, 0x0d, 0xc3, 0x28]),
    );
  });

  it('lower-cases payload 1.0 header names and joins repeated headers with commas, as payload 2.0 does', () => {
    const request = toWebhookRequest(fixture<APIGatewayProxyEvent>('rest-api-v1-text.json'));
    expect(request.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(request.headers['x-tenant']).toBe('tenant-a,tenant-b');
    expect(request.body.toString('utf8')).toBe('héllo, wörld — plain text\n');
  });

  it('reads payload 1.0 without multiValueHeaders, and headers that differ only in case', () => {
    const event = fixture<APIGatewayProxyEvent>('rest-api-v1-json.json');
    event.multiValueHeaders = {};
    event.headers = { 'X-Thing': 'a', 'x-thing': 'b', 'Content-Type': 'application/json' };
    expect(toWebhookRequest(event).headers).toEqual({ 'x-thing': 'a,b', 'content-type': 'application/json' });
  });

  it('takes the topic from the path when the route has no {topic} parameter ($default route)', () => {
    const event = fixture<APIGatewayProxyEventV2>('http-api-v2-json.json');
    delete event.pathParameters;
    event.rawPath = '/prod/webhooks/orders';
    expect(routeWebhook(toWebhookRequest(event), config())).toBe('orders');
  });

  it('tolerates events missing every optional part', () => {
    const request = toWebhookRequest({} as APIGatewayProxyEvent);
    expect(request).toMatchObject({ version: '1.0', method: '', path: '', pathParameters: {}, headers: {} });
    expect(request.body.length).toBe(0);
    expect(() => routeWebhook(request, config())).toThrow(WebhookRequestError);
  });

  it('answers 400 for a body flagged base64 that is not base64', () => {
    const event = fixture<APIGatewayProxyEventV2>('http-api-v2-binary.json');
    event.body = 'not*base64';
    expect(rejection(() => toWebhookRequest(event))).toMatchObject({
      status: 400,
      rejection: 'malformed-body',
    });
  });
});

describe('toWebhookMessage', () => {
  it.each([...FIXTURES_V2, ...FIXTURES_V1])(
    'maps %s: value = the raw body, correlation and type headers',
    (name) => {
      const event = fixture(name);
      const request = toWebhookRequest(event);
      const message = toWebhookMessage(request, routeWebhook(request, config()), config());
      expect(message.topic).toBe('orders');
      expect(message.key).toBeNull();
      expect(Buffer.from(message.value as Buffer).equals(sentBytes(event))).toBe(true);
      expect(message.headers).toEqual({
        'content-type': request.headers['content-type'],
        'x-request-id': event.requestContext.requestId,
      });
    },
  );

  it('keys a GitHub delivery by X-GitHub-Delivery and names its event', () => {
    const cfg = config({ WEBHOOK_SIGNATURE: 'github', WEBHOOK_SECRET: 'local-webhook-secret' });
    const message = toWebhookMessage(toWebhookRequest(fixture('http-api-v2-json.json')), 'orders', cfg);
    expect(message.key).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958');
    expect(message.headers).toEqual({
      'content-type': 'application/json',
      'webhook-delivery-id': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'webhook-event-type': 'ping',
      'x-request-id': 'JKJaXmPLvHcESHA=',
    });
  });

  it('keys a Standard Webhooks delivery by webhook-id (payload 1.0, mixed-case headers)', () => {
    const cfg = config({ WEBHOOK_SIGNATURE: 'standard-webhooks', WEBHOOK_SECRET: STANDARD_SECRET });
    const message = toWebhookMessage(toWebhookRequest(fixture('rest-api-v1-json.json')), 'orders', cfg);
    expect(message.key).toBe('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W');
    expect(message.headers?.['webhook-delivery-id']).toBe('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W');
  });

  it.each([
    ['json:/data/id', 'inv_1f81eb52'],
    ['json:/type', 'invoice.paid'],
    ['header:user-agent', 'Svix-Webhooks/1.24.0'],
    ['path:topic', 'orders'],
  ])('keys by WEBHOOK_KEY=%s', (key, expected) => {
    const message = toWebhookMessage(
      toWebhookRequest(fixture('rest-api-v1-json.json')),
      'orders',
      config({ WEBHOOK_KEY: key }),
    );
    expect(message.key).toBe(expected);
  });

  it.each([
    ['{"n": 42}', 'json:/n', '42'],
    // Keys keep the number's source text: JSON.parse would round both ids to 820982911946154500.
    ['{"id":820982911946154508}', 'json:/id', '820982911946154508'],
    ['{"id":820982911946154511}', 'json:/id', '820982911946154511'],
    ['{"data": {"amount": 1.50}}', 'json:/data/amount', '1.50'],
    ['{"b": true}', 'json:/b', 'true'],
    ['[{"id":"x"}]', 'json:/0/id', 'x'],
    ['{"a/b": {"m~n": "esc"}}', 'json:/a~1b/m~0n', 'esc'],
  ])('resolves JSON pointers: %s %s', (body, key, expected) => {
    const request = toWebhookRequest(apiEvent({ body }));
    expect(toWebhookMessage(request, 'orders', config({ WEBHOOK_KEY: key })).key).toBe(expected);
  });

  it.each([
    ['{"a": 1}', 'json:/missing', 'the body has nothing at the key pointer /missing'],
    ['{"a": {"b": 1}}', 'json:/a', 'the value at the key pointer /a is not a string, number or boolean'],
    ['{"a": null}', 'json:/a', 'the value at the key pointer /a is not a string, number or boolean'],
    ['[1]', 'json:/01', 'the body has nothing at the key pointer /01'],
    ['{}', 'json:/__proto__', 'the body has nothing at the key pointer /__proto__'],
    ['{}', 'header:x-id', 'the key header x-id is missing'],
    ['{}', 'path:tenant', 'the key path parameter tenant is missing'],
  ])('answers 400 when the key source is missing: %s %s', (body, key, detail) => {
    const request = toWebhookRequest(apiEvent({ body }));
    expect(rejection(() => toWebhookMessage(request, 'orders', config({ WEBHOOK_KEY: key })))).toMatchObject({
      status: 400,
      rejection: 'missing-key',
      detail,
    });
  });

  it('answers 400 for a JSON key when the body is not JSON', () => {
    const request = toWebhookRequest(apiEvent({ body: 'id=1', headers: { 'content-type': 'text/plain' } }));
    expect(
      rejection(() => toWebhookMessage(request, 'orders', config({ WEBHOOK_KEY: 'json:/id' }))).status,
    ).toBe(400);
  });

  it.each(['{"a":', '', '\u00ff', 'nul'])('answers 400 for malformed JSON %j', (body) => {
    const request = toWebhookRequest(apiEvent({ body }));
    expect(rejection(() => toWebhookMessage(request, 'orders', config()))).toMatchObject({
      status: 400,
      rejection: 'malformed-body',
    });
  });

  it('answers 400 for JSON that is not UTF-8', () => {
    const request = toWebhookRequest(apiEvent({ body: Buffer.from('"\xe9"', 'latin1'), base64: true }));
    expect(rejection(() => toWebhookMessage(request, 'orders', config())).status).toBe(400);
  });

  it('keeps a JSON body byte for byte (whitespace, key order, BOM)', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{ "b" : 1,\n "a":[ ] }')]);
    const request = toWebhookRequest(apiEvent({ body, base64: true }));
    expect(Buffer.from(toWebhookMessage(request, 'orders', config()).value as Buffer).equals(body)).toBe(
      true,
    );
  });
});

describe('routeWebhook', () => {
  it.each([
    ['payments', 404, 'topic-not-found'],
    ['Orders', 404, 'topic-not-found'],
  ])('answers 404 for topic %s, which is not on the allow-list', (topic, status, kind) => {
    const request = toWebhookRequest(apiEvent({ topic }));
    expect(rejection(() => routeWebhook(request, config()))).toMatchObject({ status, rejection: kind });
  });

  it('answers 404 for every topic when WEBHOOK_TOPICS is empty', () => {
    const request = toWebhookRequest(apiEvent({ topic: 'orders' }));
    expect(rejection(() => routeWebhook(request, { ...config(), topics: new Set() })).status).toBe(404);
  });

  it.each(['GET', 'PUT', 'DELETE'])('answers 405 for %s', (method) => {
    expect(rejection(() => routeWebhook(toWebhookRequest(apiEvent({ method })), config())).status).toBe(405);
  });

  it.each(['1.0', '2.0'] as const)(
    'answers 413 for a body over WEBHOOK_MAX_BYTES, counted after base64 decoding (payload %s)',
    (version) => {
      const cfg = config({ WEBHOOK_MAX_BYTES: '10' });
      expect(
        routeWebhook(toWebhookRequest(apiEvent({ version, body: Buffer.alloc(10), base64: true })), cfg),
      ).toBe('orders');
      const big = toWebhookRequest(apiEvent({ version, body: Buffer.alloc(11), base64: true }));
      expect(rejection(() => routeWebhook(big, cfg))).toMatchObject({
        status: 413,
        detail: 'the body has 11 bytes; at most 10 are accepted',
      });
    },
  );
});

describe('bodyKindOf', () => {
  it.each([
    ['application/json', 'json'],
    ['Application/JSON; charset=UTF-8', 'json'],
    ['application/cloudevents+json', 'json'],
    ['application/vnd.github+json', 'json'],
    ['text/plain', 'text'],
    ['text/csv; charset=utf-8', 'text'],
    ['application/xml', 'text'],
    ['application/atom+xml', 'text'],
    ['application/x-www-form-urlencoded', 'form'],
    ['application/octet-stream', 'binary'],
    [undefined, 'binary'],
  ])('accepts %s as %s', (contentType, kind) => {
    expect(bodyKindOf(contentType)).toBe(kind);
  });

  it.each([
    'multipart/form-data; boundary=x',
    'image/png',
    'application/pdf',
    'json',
    'application/json, text/plain',
    '/',
  ])('answers 415 for %s', (contentType) => {
    expect(rejection(() => bodyKindOf(contentType))).toMatchObject({
      status: 415,
      rejection: 'unsupported-media-type',
    });
  });
});
