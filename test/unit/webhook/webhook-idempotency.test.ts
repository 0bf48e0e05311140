import { describe, expect, it } from 'vitest';
import type { WebhookSignatureScheme } from '../../../lib/config/webhook-config.ts';
import { toWebhookRequest } from '../../../lib/mapping/webhook.ts';
import { bodyDigestOf, deliveryIdentityOf } from '../../../lib/mapping/webhook-idempotency.ts';
import { apiEvent } from './support.ts';

const SCOPE = { function: 'webhook-fn', topic: 'orders' };

function identityOf(scheme: WebhookSignatureScheme, headers: Record<string, string>, body = '{}') {
  const request = toWebhookRequest(
    apiEvent({ body, headers: { 'content-type': 'application/json', ...headers } }),
  );
  return deliveryIdentityOf(request, scheme, SCOPE);
}

describe('deliveryIdentityOf', () => {
  it.each<[WebhookSignatureScheme, Record<string, string>, string, object | undefined]>([
    ['standard-webhooks', { 'webhook-id': 'msg_1' }, '{}', { source: 'delivery-id', id: 'msg_1' }],
    ['github', { 'x-github-delivery': 'd-1' }, '{}', { source: 'delivery-id', id: 'd-1' }],
    ['stripe', {}, '{"id":"evt_1","object":"event"}', { source: 'stripe-event-id', id: 'evt_1' }],
    ['hmac-sha256', { 'idempotency-key': 'k-1' }, '{}', { source: 'idempotency-key', id: 'k-1' }],
    ['none', { 'Idempotency-Key': ' k-2 ' }, '{}', { source: 'idempotency-key', id: 'k-2' }],
    // The scheme's id wins over the generic header; the header fills in where the id is absent.
    [
      'github',
      { 'x-github-delivery': 'd-2', 'idempotency-key': 'k-3' },
      '{}',
      { source: 'delivery-id', id: 'd-2' },
    ],
    ['github', { 'idempotency-key': 'k-4' }, '{}', { source: 'idempotency-key', id: 'k-4' }],
    ['stripe', { 'idempotency-key': 'k-5' }, '{"object":"event"}', { source: 'idempotency-key', id: 'k-5' }],
    // No key: written without deduplication.
    ['none', {}, '{}', undefined],
    ['hmac-sha256', { 'webhook-id': 'msg_2' }, '{}', undefined],
    ['stripe', {}, '{"id":42}', undefined],
    ['stripe', {}, '{"data":{"id":"evt_nested"}}', undefined],
    ['stripe', {}, 'not json {"id":"evt_x"}', undefined],
    ['none', { 'idempotency-key': 'x'.repeat(256) }, '{}', undefined],
  ])('%s with %j and body %s -> %j', (scheme, headers, body, expected) => {
    const identity = identityOf(scheme, headers, body);
    expect(identity).toEqual(expected === undefined ? undefined : { ...SCOPE, ...expected });
  });
});

describe('bodyDigestOf', () => {
  it('is the SHA-256 of the raw bytes, so one changed byte is another body', () => {
    const digest = (body: string) => bodyDigestOf(toWebhookRequest(apiEvent({ body })));
    expect(digest('{"a":1}')).toBe('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
    expect(digest('{"a":1} ')).not.toBe(digest('{"a":1}'));
  });
});
