import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { readKafkaConfig } from '../../../lib/config/kafka-config.ts';
import { WarmWriter } from '../../../lib/lambda/warm-writer.ts';
import { createWebhookHandler, type WebhookHandler } from '../../../lib/lambda/webhook/handler.ts';
import type { WireRecord } from '../../../lib/writer/transport.ts';
import type { LocalKafkaCluster } from '../../../scripts/kafka/broker.ts';
import {
  apiEvent,
  gitHubSignature,
  hmacSignature,
  lambdaContext,
  quietObservability,
  STANDARD_SECRET,
  standardWebhooksHeaders,
  stripeSignature,
} from '../../unit/webhook/support.ts';
import { consumeWithKcat } from '../kcat.ts';
import { createTopic } from '../topics.ts';
import { FUZZ_CONTENT_TYPES, statusByRules } from '../webhook-rules.ts';
import { type FaultReport, Ledger } from './ledger.ts';
import { tracedWriter } from './tracing-transport.ts';

const SCHEMES = ['standard-webhooks', 'github', 'stripe', 'hmac-sha256'] as const;
type Scheme = (typeof SCHEMES)[number];

/** Each function's signing secret (local test values). */
const SECRETS: Record<Scheme, string> = {
  'standard-webhooks': STANDARD_SECRET,
  github: 'github fuzz secret',
  stripe: 'whsec_stripe_fuzz_secret',
  'hmac-sha256': 'hmac fuzz secret',
};
/** A secret the attacker holds instead. */
const WRONG_STANDARD_SECRET = `whsec_${Buffer.from('the attacker guessed this key!!!').toString('base64')}`;
const TOLERANCE_SECONDS = 300;
const MAX_BYTES = 4096;

/** Signatures a sender holding the secret makes: each must be accepted. */
const GENUINE = ['valid', 'valid-uppercase-hex', 'valid-among-several'] as const;
/** Everything else: none may be accepted. */
const FORGED = [
  'absent',
  'empty',
  'random',
  'wrong-secret',
  'key-confusion',
  'tampered-body',
  'other-timestamp',
  'other-delivery-id',
  'expired',
  'future',
  'truncated',
  'wrong-version',
  'other-scheme-header',
] as const;
type SignatureKind = (typeof GENUINE)[number] | (typeof FORGED)[number];

/** Header names the generator's extra headers must not take (the ones the rules read). */
const RESERVED = new Set([
  'content-type',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-hub-signature-256',
  'x-github-delivery',
  'x-github-event',
  'stripe-signature',
  'x-signature',
  'x-request-id',
]);

/** One fuzzed request: every part a client or API Gateway could vary. */
const requestArbitrary = fc.record({
  scheme: fc.constantFrom(...SCHEMES),
  version: fc.constantFrom('1.0' as const, '2.0' as const),
  // Weighted towards requests that pass routing, so the signature and body rules see most of them.
  topicChoice: fc.oneof(
    { weight: 8, arbitrary: fc.constant('allowed') },
    { weight: 1, arbitrary: fc.constant('unlisted') },
    { weight: 1, arbitrary: fc.constant('random') },
  ),
  randomTopic: fc.string({ maxLength: 20 }),
  method: fc.oneof(
    { weight: 6, arbitrary: fc.constant('POST') },
    { weight: 1, arbitrary: fc.constantFrom('post', 'GET', 'PUT') },
  ),
  contentType: fc.constantFrom(...FUZZ_CONTENT_TYPES),
  body: fc.oneof(
    { weight: 3, arbitrary: fc.json().map((j) => Buffer.from(j)) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)) },
    { weight: 2, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(MAX_BYTES + 1, 0x7b)) },
  ),
  base64: fc.boolean(),
  // Half genuine, half forged, so both sides of the signature check are reached thousands of times.
  signature: fc.oneof(fc.constantFrom<SignatureKind>(...GENUINE), fc.constantFrom<SignatureKind>(...FORGED)),
  noise: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b)),
  extraHeaders: fc.dictionary(
    fc.stringMatching(/^x-[a-z0-9-]{1,15}$/).filter((name) => !RESERVED.has(name)),
    fc.string({ maxLength: 40 }),
    { maxKeys: 3 },
  ),
});
type FuzzRequest = typeof requestArbitrary extends fc.Arbitrary<infer T> ? T : never;

const isGenuine = (kind: SignatureKind) => (GENUINE as readonly string[]).includes(kind);

const hmacHex = (key: Buffer | string, content: Buffer) =>
  createHmac('sha256', key).update(content).digest('hex');

/**
 * The signature headers a request carries, made from each scheme's documentation (independently
 * of lib/), over exactly the bytes the handler will see.
 */
function signatureHeaders(request: FuzzRequest, seen: Buffer, now: number): Record<string, string> {
  const { scheme, signature: kind, noise } = request;
  const secret = SECRETS[scheme];
  const tampered = Buffer.concat([seen, Buffer.from('!')]);
  const id = `msg_${randomUUID()}`;
  if (kind === 'absent') return {};
  if (kind === 'other-scheme-header') {
    // A genuine signature, in a header this scheme does not read.
    const other = SCHEMES[(SCHEMES.indexOf(scheme) + 1) % SCHEMES.length] as Scheme;
    return signatureHeaders({ ...request, scheme: other, signature: 'valid' }, seen, now);
  }
  switch (scheme) {
    case 'standard-webhooks': {
      const sign = (s: string, body: Buffer, o: { id?: string; timestamp?: number } = {}) =>
        standardWebhooksHeaders(s, body, { id, timestamp: now, ...o });
      const valid = sign(secret, seen);
      const with_ = (signatureValue: string) => ({ ...valid, 'webhook-signature': signatureValue });
      switch (kind) {
        case 'valid':
        case 'valid-uppercase-hex':
          return valid;
        case 'valid-among-several':
          return with_(`v1,${noise.toString('base64')} ${valid['webhook-signature']}`);
        case 'empty':
          return with_('');
        case 'random':
          return with_(`v1,${noise.toString('base64')}`);
        case 'wrong-secret':
          return sign(WRONG_STANDARD_SECRET, seen);
        case 'key-confusion': {
          // Keyed with the whole whsec_ string as text instead of its base64-decoded bytes.
          const mac = createHmac('sha256', secret).update(`${id}.${now}.`).update(seen).digest('base64');
          return with_(`v1,${mac}`);
        }
        case 'tampered-body':
          return sign(secret, tampered);
        case 'other-timestamp':
          return { ...valid, 'webhook-timestamp': String(now - 1) };
        case 'other-delivery-id':
          return { ...valid, 'webhook-id': `msg_${randomUUID()}` };
        case 'expired':
          return sign(secret, seen, { timestamp: now - 2 * TOLERANCE_SECONDS });
        case 'future':
          return sign(secret, seen, { timestamp: now + 2 * TOLERANCE_SECONDS });
        case 'truncated':
          return with_((valid['webhook-signature'] as string).slice(0, -4));
        case 'wrong-version':
          return with_((valid['webhook-signature'] as string).replace(/^v1,/, 'v1a,'));
      }
      break;
    }
    case 'stripe': {
      const valid = stripeSignature(secret, seen, now);
      const mac = valid.slice(valid.indexOf('v1=') + 3);
      const header = (value: string) => ({ 'stripe-signature': value });
      switch (kind) {
        case 'valid':
          return header(valid);
        case 'valid-uppercase-hex':
          return header(`t=${now},v1=${mac.toUpperCase()}`);
        case 'valid-among-several':
          return header(`t=${now},v1=${noise.toString('hex')},v1=${mac}`);
        case 'empty':
          return header('');
        case 'random':
          return header(`t=${now},v1=${noise.toString('hex')}`);
        case 'wrong-secret':
          return header(stripeSignature(`${secret}x`, seen, now));
        case 'key-confusion': {
          // Keyed the Standard Webhooks way (base64-decoded), which Stripe does not do.
          const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
          return header(`t=${now},v1=${hmacHex(key, Buffer.concat([Buffer.from(`${now}.`), seen]))}`);
        }
        case 'tampered-body':
          return header(stripeSignature(secret, tampered, now));
        case 'other-timestamp':
        case 'other-delivery-id':
          return header(`t=${now - 1},v1=${mac}`);
        case 'expired':
          return header(stripeSignature(secret, seen, now - 2 * TOLERANCE_SECONDS));
        case 'future':
          return header(stripeSignature(secret, seen, now + 2 * TOLERANCE_SECONDS));
        case 'truncated':
          return header(valid.slice(0, -2));
        case 'wrong-version':
          return header(`t=${now},v0=${mac}`);
      }
      break;
    }
    case 'github':
    case 'hmac-sha256': {
      const name = scheme === 'github' ? 'x-hub-signature-256' : 'x-signature';
      const sign = scheme === 'github' ? gitHubSignature : hmacSignature;
      const extra: Record<string, string> =
        scheme === 'github' ? { 'x-github-delivery': randomUUID(), 'x-github-event': 'push' } : {};
      const valid = sign(secret, seen);
      const header = (value: string) => ({ ...extra, [name]: value });
      switch (kind) {
        case 'valid':
        case 'valid-among-several':
          return header(valid);
        case 'valid-uppercase-hex':
          return header(`sha256=${valid.slice('sha256='.length).toUpperCase()}`);
        case 'empty':
          return header('');
        case 'random':
        case 'expired':
        case 'future':
          // No timestamp in these schemes: a stale genuine signature is still genuine, so send noise.
          return header(`sha256=${noise.toString('hex')}`);
        case 'wrong-secret':
          return header(sign(`${secret}x`, seen));
        case 'key-confusion':
          // A secret with the trailing newline a copy-paste leaves.
          return header(sign(`${secret}\n`, seen));
        case 'tampered-body':
        case 'other-timestamp':
        case 'other-delivery-id':
          return header(sign(secret, tampered));
        case 'truncated':
          return header(valid.slice(0, -2));
        case 'wrong-version':
          return header(`sha1=${valid.slice('sha256='.length)}`);
      }
      break;
    }
  }
  throw new Error(`no signature for ${scheme}/${kind}`);
}

/** The status the webhook owes a request, from the rules (README), not from the code. */
function expectedStatus(request: FuzzRequest, seen: Buffer): number {
  return statusByRules({
    topicAllowed: request.topicChoice === 'allowed',
    method: request.method,
    body: seen,
    maxBytes: MAX_BYTES,
    signatureAccepted: isGenuine(request.signature),
    contentKind: request.contentType[1],
  });
}

export interface WebhookFuzzOptions {
  cluster: LocalKafkaCluster;
  requests: number;
  seed: number;
  /** Bounce the leader of partition 0 (stop + start) this far into the run (0..1); none if undefined. */
  bounceAt?: number;
}

/** What the fuzz saw, beyond the common report. */
export interface WebhookFuzzResult {
  report: FaultReport;
  statuses: Record<number, number>;
  /** Forged signatures that reached the signature check (passed route, method and size). */
  forgedChecked: number;
  /** Forged signatures answered 200 or found in Kafka: must be 0. */
  forgedAccepted: number;
  /** Records of requests answered with a 4xx: must be 0. */
  rejectedButWritten: number;
  /** Requests whose status broke the rules (first few), each with why. */
  wrongStatuses: string[];
  /** 200 answers whose topic/partition/offset does not hold the request's bytes: must be none. */
  misplaced: string[];
  /** Exceptions escaping the handler: must be none. */
  crashes: string[];
}

interface Outcome {
  status: number;
  expected: number;
  forged: boolean;
  seen: Buffer;
  partition?: number;
  offset?: string;
}

/**
 * Fuzzes the four signed webhook functions (one per scheme, each its own container and Writer)
 * with `requests` generated requests (fast-check, fixed seed), optionally bouncing a broker in the
 * middle. Every answer is checked against the rules as it comes; at the end the topic is read back
 * and every record is matched to the request that made it.
 */
export async function runWebhookFuzz(options: WebhookFuzzOptions): Promise<WebhookFuzzResult> {
  const { cluster } = options;
  const brokers = cluster.brokers;
  const [topic, unlisted] = await Promise.all([
    createTopic(brokers, { partitions: 3, replicationFactor: 3 }),
    createTopic(brokers, { partitions: 1, replicationFactor: 3 }),
  ]);
  const ledger = new Ledger('webhook-fuzz', 'webhook', []);
  const identify = (record: WireRecord) => {
    const header = record.headers?.['x-request-id'];
    return header === undefined ? undefined : String(Array.isArray(header) ? header[0] : header);
  };
  const writers: WarmWriter[] = [];
  const handlers = Object.fromEntries(
    SCHEMES.map((scheme) => {
      const env = {
        KAFKA_BROKERS: brokers.join(','),
        WEBHOOK_TOPICS: topic,
        WEBHOOK_SIGNATURE: scheme,
        WEBHOOK_SECRET: SECRETS[scheme],
        WEBHOOK_TOLERANCE_SECONDS: String(TOLERANCE_SECONDS),
        WEBHOOK_MAX_BYTES: String(MAX_BYTES),
      };
      const warmWriter = new WarmWriter({
        config: readKafkaConfig(env).config,
        createWriter: (o) => tracedWriter(o, identify, ledger),
      });
      writers.push(warmWriter);
      return [scheme, createWebhookHandler({ env, warmWriter, observability: quietObservability() })];
    }),
  ) as Record<Scheme, WebhookHandler>;

  const outcomes = new Map<string, Outcome>();
  const statuses: Record<number, number> = {};
  const wrongStatuses: string[] = [];
  const crashes: string[] = [];
  let forgedChecked = 0;
  let runs = 0;
  let bounce: Promise<string> | undefined;
  const bounceRun = options.bounceAt === undefined ? -1 : Math.floor(options.requests * options.bounceAt);
  const startedAt = Date.now();

  await fc.assert(
    fc.asyncProperty(requestArbitrary, async (request) => {
      if (runs++ === bounceRun) bounce = bounceLeader(cluster, topic);
      // API Gateway hands a text body over as a string: bytes that are not UTF-8 arrive replaced.
      const seen = request.base64 ? request.body : Buffer.from(request.body.toString('utf8'));
      const now = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = { ...request.extraHeaders };
      if (request.contentType[0] !== undefined) headers['content-type'] = request.contentType[0];
      Object.assign(headers, signatureHeaders(request, seen, now));
      const target =
        request.topicChoice === 'allowed'
          ? topic
          : request.topicChoice === 'unlisted'
            ? unlisted
            : `zz${request.randomTopic}`;
      const requestId = randomUUID();
      const event = apiEvent({
        version: request.version,
        topic: target,
        method: request.method,
        body: seen,
        base64: request.base64,
        headers,
        requestId,
      });
      const expected = expectedStatus(request, seen);
      const forged = !isGenuine(request.signature);
      if (forged && expected === 401) forgedChecked++;
      let result: Awaited<ReturnType<WebhookHandler>>;
      try {
        result = await handlers[request.scheme](event, lambdaContext());
      } catch (error) {
        crashes.push(`${request.scheme}/${request.signature}: ${(error as Error).stack ?? String(error)}`);
        return;
      }
      statuses[result.statusCode] = (statuses[result.statusCode] ?? 0) + 1;
      const outcome: Outcome = { status: result.statusCode, expected, forged, seen };
      if (result.statusCode === 200) {
        const record = (JSON.parse(result.body) as { records: Array<{ partition: number; offset: string }> })
          .records[0];
        outcome.partition = record?.partition;
        outcome.offset = record?.offset;
      }
      outcomes.set(requestId, outcome);
      ledger.delivered([requestId]);
      // A genuine request may meet the broker fault: 503 (retry later) is then the right answer.
      const allowed = expected === 200 ? [200, 503] : [expected];
      if (!allowed.includes(result.statusCode) && wrongStatuses.length < 20) {
        wrongStatuses.push(
          `${request.scheme} ${request.signature} ${request.method} ${request.contentType[0]}: got ${result.statusCode}, want ${allowed.join(' or ')}: ${result.body}`,
        );
      }
    }),
    { numRuns: options.requests, seed: options.seed, endOnFailure: true },
  );
  const bounced = await bounce;
  await Promise.all(writers.map((w) => w.close(5_000)));

  // Every record must belong to a request the webhook answered 200 (or 503: in flight when it gave up).
  const records = await consumeWithKcat(brokers, topic, { timeoutMs: 60_000 });
  const copies = new Map<string, typeof records>();
  for (const record of records) {
    const id = record.headers['x-request-id']?.toString() ?? '';
    copies.set(id, [...(copies.get(id) ?? []), record]);
  }
  let rejectedButWritten = 0;
  let forgedAccepted = 0;
  const misplaced: string[] = [];
  const genuine: string[] = [];
  const failedBack: string[] = [];
  for (const [id, outcome] of outcomes) {
    const found = copies.get(id) ?? [];
    if (outcome.forged && (outcome.status === 200 || found.length > 0)) forgedAccepted++;
    if (outcome.status !== 200 && outcome.status !== 503 && found.length > 0) rejectedButWritten++;
    if (outcome.expected !== 200) continue;
    genuine.push(id);
    if (outcome.status === 503) failedBack.push(id);
    if (outcome.status !== 200) continue;
    ledger.acked([id]);
    // The offset in the answer must hold this very request's bytes.
    const at = found.find((r) => r.partition === outcome.partition && String(r.offset) === outcome.offset);
    if (!at?.value?.equals(outcome.seen))
      misplaced.push(`${id} answered ${outcome.partition}/${outcome.offset}`);
  }
  const genuineSet = new Set(genuine);
  const report = ledger.settle(
    records.flatMap((r) => {
      const id = r.headers['x-request-id']?.toString();
      // Records of rejected requests are counted above (rejectedButWritten), not as foreign.
      return id !== undefined && !genuineSet.has(id) && outcomes.has(id) ? [] : [id];
    }),
    failedBack,
    genuine,
  );
  report.durationMs = Date.now() - startedAt;
  report.notes.push(
    `${options.requests} requests (${genuine.length} genuine and well-formed): ${Object.entries(statuses)
      .map(([status, n]) => `${status} x${n}`)
      .join(', ')}; ${forgedChecked} forged signatures reached the check, ${forgedAccepted} accepted`,
  );
  if (bounced) report.notes.push(bounced);
  return {
    report,
    statuses,
    forgedChecked,
    forgedAccepted,
    rejectedButWritten,
    misplaced,
    wrongStatuses,
    crashes,
  };
}

/** Stops the leader of partition 0 and starts it again; says what it did. */
async function bounceLeader(cluster: LocalKafkaCluster, topic: string): Promise<string> {
  const leader = await cluster.leaderOf(topic, 0);
  const started = Date.now();
  await cluster.stopNode(leader);
  await cluster.startNode(leader);
  return `node ${leader} (leader of partition 0) bounced mid-run, back after ${((Date.now() - started) / 1000).toFixed(1)} s`;
}
