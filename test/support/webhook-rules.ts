/**
 * The webhook's answer rules (lib/lambda/webhook/README.md) as the fuzz tests state them,
 * independently of the handler's code: the in-CI fuzz (test/integration/webhook.test.ts) and the
 * fault run's fuzz (test/support/faults/webhook-fuzz.ts) both judge every response by these.
 */

/** What the webhook does with a content type: parse it as JSON, pass it through, or refuse it (415). */
export type ContentKind = 'json' | 'other' | 'refused';

/** Content types the fuzzers send, each with what the webhook does with it. */
export const FUZZ_CONTENT_TYPES: ReadonlyArray<readonly [string | undefined, ContentKind]> = [
  ['application/json', 'json'],
  ['application/json; charset=utf-8', 'json'],
  ['application/vnd.github+json', 'json'],
  ['application/cloudevents+json', 'json'],
  ['text/plain', 'other'],
  ['text/csv; charset=latin1', 'other'],
  ['application/xml', 'other'],
  ['application/x-www-form-urlencoded', 'other'],
  ['application/octet-stream', 'other'],
  [undefined, 'other'],
  ['multipart/form-data; boundary=b', 'refused'],
  ['image/png', 'refused'],
  ['application/pdf', 'refused'],
  ['not a media type', 'refused'],
];

/** One request as far as the rules are concerned. */
export interface RuledRequest {
  /** The path names a topic on the allow-list. */
  topicAllowed: boolean;
  method: string;
  /** The body as the handler sees it (after API Gateway's text decoding). */
  body: Buffer;
  maxBytes: number;
  /** A genuine, fresh signature, or signatures are off. */
  signatureAccepted: boolean;
  contentKind: ContentKind;
}

/** The status the webhook owes a request; 200 means "written" (503 if Kafka cannot take it). */
export function statusByRules(request: RuledRequest): number {
  if (!request.topicAllowed) return 404;
  if (request.method.toUpperCase() !== 'POST') return 405;
  if (request.body.length > request.maxBytes) return 413;
  if (!request.signatureAccepted) return 401;
  if (request.contentKind === 'refused') return 415;
  return request.contentKind === 'json' && !isUtf8Json(request.body) ? 400 : 200;
}

function isUtf8Json(bytes: Buffer): boolean {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return true;
  } catch {
    return false;
  }
}
