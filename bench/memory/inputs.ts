/**
 * The largest legal input of each deployed function, as the event Lambda hands it. Sizes are of
 * the event's JSON, the payload Lambda (and the Runtime Interface Emulator) caps: 6 MB for a
 * synchronous invocation (API Gateway, an SQS event source mapping's batch), 1 MB for an
 * asynchronous one (EventBridge rule targets and schedules, since Lambda raised it from 256 KB).
 */
import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
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

/** One measured input: the function, its settings and the event every invocation gets. */
export interface MemoryInput {
  function: 'webhook' | 'sqs' | 'eventbridge' | 'scheduled';
  /** What the row measures, for the table. */
  input: string;
  /** Settings on top of the function's Kafka settings. */
  environment: Record<string, string>;
  /** Needs S3 (moto) for the claim check: `environment` names the bucket, bench/memory.ts adds the endpoint. */
  s3?: boolean;
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
function scheduleInput(bytes: number): Record<string, unknown> {
  const value = 'x'.repeat(1000);
  const one = jsonBytes({ key: 'key-00000', value });
  const count = Math.floor((bytes - ENVELOPE_MARGIN_BYTES) / (one + 1));
  return {
    messages: Array.from({ length: count }, (_, i) => ({ key: `key-${String(i).padStart(5, '0')}`, value })),
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
  return [
    {
      function: 'sqs',
      input: '10,000 records (6 MB event)',
      environment: sqsEnv,
      event: sqsBatch(10_000, SYNC_PAYLOAD_BYTES),
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
      s3: true,
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
      event: scheduleInput(ASYNC_PAYLOAD_BYTES),
    },
  ];
}

/** Bytes of an input's event as Lambda receives it. */
export const eventBytes = (input: MemoryInput) => jsonBytes(input.event);
