/**
 * The largest legal input of each deployed function, as the event Lambda hands it. Sizes are of
 * the event's JSON, the payload Lambda (and the Runtime Interface Emulator) caps: 6 MB for a
 * synchronous invocation (API Gateway, an SQS event source mapping's batch), 1 MB for an
 * asynchronous one (EventBridge rule targets and schedules, since Lambda raised it from 256 KB).
 */
import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { FUNCTION_TIMEOUT_SECONDS } from '../../cdk/triggers/trigger-props.ts';
import { httpApiRequest, orderCreatedEvent, sqsRecords } from '../lambda-paths.ts';

/** Lambda's synchronous invocation payload limit (bytes of the event's JSON). */
export const SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Lambda's asynchronous invocation payload limit. */
export const ASYNC_PAYLOAD_BYTES = 1024 * 1024;
/** EventBridge's documented PutEvents entry limit. */
export const EVENTBRIDGE_ENTRY_BYTES = 256 * 1024;
/** Room left under a limit for what the emulator and Lambda add around the event. */
const ENVELOPE_MARGIN_BYTES = 8 * 1024;

export const WEBHOOK_SECRET = 'bench-memory-webhook-secret';
/** The bucket the claim-check row stores values in (moto's S3). */
export const CLAIM_CHECK_BUCKET = 'bench-memory-claim-checks';
/** The bucket the scheduled function's NDJSON rows read (moto's S3), one prefix per row. */
export const NDJSON_BUCKET = 'bench-memory-ndjson';
/** The schedule's event for an S3 source: a plain EventBridge cron event, which the source ignores. */
const SCHEDULED_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-12-02T00:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/bench-memory'],
  detail: {},
};

/** An NDJSON object a scheduled row's `SCHEDULE_SOURCE` prefix holds. */
export interface NdjsonObject {
  key: string;
  /** Lines in it (none blank): what each invocation must publish. */
  lines: number;
  /** Its bytes, built only when the row runs (hundreds of MB). */
  body: () => Buffer;
}

/** What a successful answer of the scheduled function says (its ScheduledRunSummary). */
export interface ScheduledExpectation {
  published: number;
  objectsDone: number;
}

/** One measured input: the function, its settings and the event every invocation gets. */
export interface MemoryInput {
  function: 'webhook' | 'sqs' | 'eventbridge' | 'scheduled';
  /** What the row measures, for the table. */
  input: string;
  /** Settings on top of the function's Kafka settings. */
  environment: Record<string, string>;
  /**
   * Needs moto (S3 for the claim check and NDJSON objects, Secrets Manager for SCRAM
   * credentials): bench/memory.ts starts it and adds its endpoint to the environment.
   */
  moto?: boolean;
  /**
   * The broker listener written to: PLAINTEXT, or SASL_SSL (TLS + SCRAM-SHA-512, the credentials
   * in a Secrets Manager secret as deployed, the local CA in `KAFKA_TLS_CA_FILE`). @default 'plaintext'
   */
  listener?: 'plaintext' | 'sasl-ssl';
  /**
   * Where a SASL_SSL row's SCRAM credentials come from: the Secrets Manager secret, as deployed, or
   * `KAFKA_USERNAME`/`KAFKA_PASSWORD` (the local-use settings), to show what the secret's client
   * costs. @default 'secret'
   */
  credentials?: 'secret' | 'environment';
  /**
   * The object under the row's S3 prefix: uploaded before the first invocation, its progress
   * tags removed before every invocation, so each one reads and publishes all of it.
   */
  ndjson?: NdjsonObject;
  /** The scheduled function's answer when it wrote the whole input. */
  scheduled?: ScheduledExpectation;
  /** The emulator ends an invocation that runs longer. @default 120 */
  timeoutSeconds?: number;
  event: unknown;
}

const jsonBytes = (event: unknown) => Buffer.byteLength(JSON.stringify(event));

/**
 * An SQS batch of `count` records whose bodies are as large as fits in `limitBytes` of event
 * (the event source mapping stops a batch at 10,000 records or 6 MB, whichever comes first).
 */
export function sqsBatch(count: number, limitBytes: number): SQSEvent {
  const envelope = jsonBytes({ Records: sqsRecords(count, 0) });
  const bodyBytes = Math.floor((limitBytes - ENVELOPE_MARGIN_BYTES - envelope) / count);
  if (bodyBytes < 1) throw new Error(`${count} SQS records do not fit in ${limitBytes} bytes`);
  return { Records: sqsRecords(count, bodyBytes) };
}

/** An HTTP API (payload 2.0) request signed `hmac-sha256` (the stack's default scheme). */
export function webhookRequest(topic: string, body: Buffer, base64: boolean): APIGatewayProxyEventV2 {
  const signature = createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex');
  const text = base64 ? body.toString('base64') : body.toString('utf8');
  return httpApiRequest(topic, {
    headers: {
      'content-type': base64 ? 'application/octet-stream' : 'application/json',
      'content-length': String(body.length),
      'x-signature': `sha256=${signature}`,
    },
    body: text,
    isBase64Encoded: base64,
  });
}

/** A JSON body of exactly `bytes` bytes. */
function jsonBody(bytes: number): Buffer {
  return Buffer.from(`{"data":"${'x'.repeat(bytes - '{"data":""}'.length)}"}`);
}

/** The largest body whose request still fits in `limitBytes` of event. */
function webhookAtLimit(topic: string, limitBytes: number, base64: boolean): APIGatewayProxyEventV2 {
  const room = limitBytes - ENVELOPE_MARGIN_BYTES - jsonBytes(webhookRequest(topic, Buffer.alloc(0), base64));
  const bytes = base64 ? Math.floor((room * 3) / 4) : room;
  const body = base64 ? Buffer.alloc(bytes, 0xa7) : jsonBody(bytes);
  return webhookRequest(topic, body, base64);
}

/** An EventBridge event whose JSON is `bytes` long. */
function eventBridgeEvent(bytes: number): object {
  const event = orderCreatedEvent({ orderId: 'o-1001', payload: '' });
  event.detail.payload = 'x'.repeat(bytes - jsonBytes(event));
  return event;
}

/** A schedule's input of ~1 KB messages filling `bytes`. */
function scheduleInput(bytes: number): { messages: Array<{ key: string; value: string }> } {
  const value = 'x'.repeat(1000);
  const one = jsonBytes({ key: 'key-00000', value });
  const count = Math.floor((bytes - ENVELOPE_MARGIN_BYTES) / (one + 1));
  return {
    messages: Array.from({ length: count }, (_, i) => ({ key: `key-${String(i).padStart(5, '0')}`, value })),
  };
}

/**
 * NDJSON of `count` lines of exactly `lineBytes` bytes each, line break included:
 * `{"n":"00000001","v":"xx...x"}`. Lines are numbered with a fixed width so every line has the
 * same length.
 */
export function ndjsonLines(count: number, lineBytes: number): Buffer {
  const body = Buffer.alloc(count * lineBytes, 'x');
  for (let i = 0; i < count; i++) {
    const start = i * lineBytes;
    body.write(`{"n":"${String(i + 1).padStart(8, '0')}","v":"`, start, 'latin1');
    body.write('"}\n', start + lineBytes - 3, 'latin1');
  }
  return body;
}

/** A scheduled row reading `lines` NDJSON lines of `lineBytes` each from its own S3 prefix. */
function scheduledS3(
  topic: string,
  name: string,
  input: string,
  lines: number,
  lineBytes: number,
): MemoryInput {
  return {
    function: 'scheduled',
    input,
    // SCHEDULE_* left at their defaults: 8 MiB ranged GETs, batches of 500 lines, lines up to 1,000,000 bytes.
    environment: { KAFKA_TOPIC: topic, SCHEDULE_SOURCE: `s3://${NDJSON_BUCKET}/${name}/` },
    moto: true,
    ndjson: { key: `${name}/objects.ndjson`, lines, body: () => ndjsonLines(lines, lineBytes) },
    scheduled: { published: lines, objectsDone: 1 },
    // The deployed function's timeout; a run that stops for time fails the row.
    timeoutSeconds: FUNCTION_TIMEOUT_SECONDS.scheduled,
    event: SCHEDULED_EVENT,
  };
}

/** Every measured input, in table order. */
export function memoryInputs(topic: string): MemoryInput[] {
  const webhookEnv = (maxBytes: number) => ({
    WEBHOOK_TOPICS: topic,
    WEBHOOK_SIGNATURE: 'hmac-sha256',
    WEBHOOK_SECRET,
    WEBHOOK_MAX_BYTES: String(maxBytes),
    KAFKA_BATCH_BYTES: String(SYNC_PAYLOAD_BYTES),
  });
  const sqsEnv = { KAFKA_TOPIC: topic, KAFKA_BATCH_BYTES: String(SYNC_PAYLOAD_BYTES) };
  const schedule = scheduleInput(ASYNC_PAYLOAD_BYTES);
  return [
    {
      function: 'sqs',
      input: '10,000 records (6 MB event)',
      environment: sqsEnv,
      event: sqsBatch(10_000, SYNC_PAYLOAD_BYTES),
    },
    {
      function: 'sqs',
      input: '10,000 records (6 MB event), TLS + SCRAM-SHA-512',
      environment: sqsEnv,
      moto: true,
      listener: 'sasl-ssl',
      event: sqsBatch(10_000, SYNC_PAYLOAD_BYTES),
    },
    {
      function: 'sqs',
      input: '10,000 records (6 MB event), TLS + SCRAM, credentials from the environment',
      environment: sqsEnv,
      moto: true, // the secret the other SASL_SSL rows read is made there; this row does not read it
      listener: 'sasl-ssl',
      credentials: 'environment',
      event: sqsBatch(10_000, SYNC_PAYLOAD_BYTES),
    },
    {
      function: 'sqs',
      input: '10 records of ~600 KB (6 MB event), TLS + SCRAM-SHA-512',
      environment: sqsEnv,
      moto: true,
      listener: 'sasl-ssl',
      event: sqsBatch(10, SYNC_PAYLOAD_BYTES),
    },
    {
      function: 'sqs',
      input: '10 records of ~600 KB (6 MB event)',
      environment: sqsEnv,
      event: sqsBatch(10, SYNC_PAYLOAD_BYTES),
    },
    {
      function: 'webhook',
      input: '1 MiB JSON body (WEBHOOK_MAX_BYTES default)',
      environment: webhookEnv(1_048_576),
      event: webhookRequest(topic, jsonBody(1_048_576), false),
    },
    {
      function: 'webhook',
      input: '~6 MB JSON body (6 MB event)',
      environment: webhookEnv(SYNC_PAYLOAD_BYTES),
      event: webhookAtLimit(topic, SYNC_PAYLOAD_BYTES, false),
    },
    {
      function: 'webhook',
      input: '~6 MB JSON body, claim check to S3 (moto)',
      // Above the default 1 MB threshold: the body goes to S3 and the record carries its reference.
      environment: { ...webhookEnv(SYNC_PAYLOAD_BYTES), KAFKA_CLAIM_CHECK_BUCKET: CLAIM_CHECK_BUCKET },
      moto: true,
      event: webhookAtLimit(topic, SYNC_PAYLOAD_BYTES, false),
    },
    {
      function: 'webhook',
      input: '~4.5 MB binary body, base64 (6 MB event)',
      environment: webhookEnv(SYNC_PAYLOAD_BYTES),
      event: webhookAtLimit(topic, SYNC_PAYLOAD_BYTES, true),
    },
    {
      function: 'eventbridge',
      input: '256 KB event (PutEvents entry limit)',
      environment: { KAFKA_TOPIC: topic },
      event: eventBridgeEvent(EVENTBRIDGE_ENTRY_BYTES),
    },
    {
      function: 'eventbridge',
      input: '1 MB event (async invocation limit)',
      environment: { KAFKA_TOPIC: topic, KAFKA_BATCH_BYTES: String(2 * ASYNC_PAYLOAD_BYTES) },
      event: eventBridgeEvent(ASYNC_PAYLOAD_BYTES - ENVELOPE_MARGIN_BYTES),
    },
    {
      function: 'scheduled',
      input: '1 MB input, ~1 KB messages (async invocation limit)',
      environment: { KAFKA_TOPIC: topic, SCHEDULE_SOURCE: 'input' },
      scheduled: { published: schedule.messages.length, objectsDone: 0 },
      event: schedule,
    },
    // 64 MiB: eight ranged GETs of 8 MiB, 131 batches of 500 lines, progress saved after each.
    scheduledS3(topic, 'lines-1k', 'S3 NDJSON, 64 MiB of 1 KiB lines', 65_536, 1024),
    // A whole default batch of lines of the longest default length: 500 x 1,000,000 bytes, one batch.
    scheduledS3(topic, 'lines-1m', 'S3 NDJSON, 500 lines of 1,000,000 B', 500, 1_000_001),
  ];
}

/** Bytes of an input's event as Lambda receives it. */
export const eventBytes = (input: MemoryInput) => jsonBytes(input.event);
