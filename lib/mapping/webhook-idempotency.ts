/**
 * Which delivery a webhook request is: the idempotency key a sender's retries share. Pure: no
 * I/O, no clock.
 *
 * The scheme's own delivery id comes first, because the sender sets it and keeps it across
 * retries: Standard Webhooks' `webhook-id` (signed), GitHub's `X-GitHub-Delivery` (the same on a
 * redelivery), Stripe's event id (`id` in the signed JSON body; Stripe sends no id header). A
 * request without one falls back to the generic `Idempotency-Key` header (the IETF
 * httpapi-idempotency-key draft, as Stripe's own API uses it). A request with neither has no
 * identity and is written as every request was before deduplication existed.
 *
 * The identity is scoped by function and topic: the same delivery id sent to two topics is two
 * deliveries, and the id's source is part of it, so an `Idempotency-Key` cannot collide with a
 * `webhook-id` of the same text.
 */
import { createHash } from 'node:crypto';
import type { WebhookSignatureScheme } from '../config/webhook-config.ts';
import { resolvePointerInSource } from './json-source-pointer.ts';
import { deliveryIdOf, type WebhookRequest } from './webhook.ts';

/** Where a delivery's idempotency key was found. */
export type IdempotencyKeySource = 'delivery-id' | 'stripe-event-id' | 'idempotency-key';

/** A delivery's identity: what the deduplication store is keyed by. */
export interface DeliveryIdentity {
  /** The Lambda function (its name), so two functions sharing a table never share a key. */
  function: string;
  topic: string;
  source: IdempotencyKeySource;
  id: string;
}

/** The generic header, for senders whose scheme has no delivery id. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/**
 * Longest key accepted, in characters. The key is hashed before it is stored, so this is not a
 * storage limit; it keeps an absurd header from being hashed on every request (Stripe allows 255).
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The delivery's identity, or `undefined` when the request carries no key (it is then written
 * without deduplication). Call only after the signature verified: an unauthenticated request must
 * not occupy a key.
 */
export function deliveryIdentityOf(
  request: WebhookRequest,
  scheme: WebhookSignatureScheme,
  scope: { function: string; topic: string },
): DeliveryIdentity | undefined {
  const found = schemeKeyOf(request, scheme) ?? headerKeyOf(request);
  if (found === undefined || found.id.length > MAX_IDEMPOTENCY_KEY_LENGTH) return undefined;
  return { ...scope, ...found };
}

/** SHA-256 of the raw body (hex): a retry must carry the same bytes as the first delivery. */
export function bodyDigestOf(request: Pick<WebhookRequest, 'body'>): string {
  return createHash('sha256').update(request.body).digest('hex');
}

function schemeKeyOf(
  request: WebhookRequest,
  scheme: WebhookSignatureScheme,
): Pick<DeliveryIdentity, 'source' | 'id'> | undefined {
  if (scheme === 'stripe') {
    const id = stripeEventIdOf(request.body);
    return id === undefined ? undefined : { source: 'stripe-event-id', id };
  }
  const id = deliveryIdOf(request, scheme);
  return id === undefined ? undefined : { source: 'delivery-id', id };
}

function headerKeyOf(request: WebhookRequest): Pick<DeliveryIdentity, 'source' | 'id'> | undefined {
  const id = request.headers[IDEMPOTENCY_KEY_HEADER]?.trim();
  return id ? { source: 'idempotency-key', id } : undefined;
}

/** Stripe's event id: the top-level `id` string of the event's JSON (`evt_...`). */
function stripeEventIdOf(body: Buffer): string | undefined {
  let text: string;
  try {
    // The pointer walk expects valid JSON; a body that is not (sent as text/plain) has no id.
    text = utf8.decode(body);
    JSON.parse(text);
  } catch {
    return undefined;
  }
  const found = resolvePointerInSource(text, ['id']);
  return found?.type === 'string' && found.value !== '' ? found.value : undefined;
}
