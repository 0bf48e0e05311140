import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { clearContainerWarmWriter, containerWarmWriter } from '../../lib/lambda/container.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { createWebhookHandler, type WebhookHandler } from '../../lib/lambda/webhook/handler.ts';
import { gate } from '../support/gate.ts';
import { createIdempotencyTable } from '../support/idempotency-table.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { countRecords, createSettledTopic } from '../support/topics.ts';
import {
  apiEvent,
  bodyOf,
  gitHubSignature,
  lambdaContext,
  quietObservability,
  type RequestSpec,
  STANDARD_SECRET,
  standardWebhooksHeaders,
  stripeSignature,
} from '../unit/webhook/support.ts';

const brokers = inject('kafkaBrokers');
useMoto();

let topic: string;
let otherTopic: string;

beforeAll(async () => {
  [topic, otherTopic] = await Promise.all([
    createSettledTopic(brokers, { partitions: 3 }),
    createSettledTopic(brokers, { partitions: 1 }),
  ]);
});

afterAll(async () => {
  await clearContainerWarmWriter();
});

/** The table's items, attribute values unwrapped to strings. */
async function itemsOf(table: string): Promise<Array<Record<string, string | undefined>>> {
  const { Items = [] } = await new DynamoDBClient({}).send(new ScanCommand({ TableName: table }));
  return Items.map((item) =>
    Object.fromEntries(Object.entries(item).map(([name, value]) => [name, value.S ?? value.N])),
  );
}

type Options = Parameters<typeof createWebhookHandler>[0] & object;

/** The deployable handler (Standard Webhooks, the container's Writer) deduplicating in `table`. */
function handlerFor(table: string, env: Record<string, string> = {}, options: Options = {}): WebhookHandler {
  return createWebhookHandler({
    env: {
      KAFKA_BROKERS: brokers.join(','),
      WEBHOOK_TOPICS: `${topic},${otherTopic}`,
      WEBHOOK_SIGNATURE: 'standard-webhooks',
      WEBHOOK_SECRET: STANDARD_SECRET,
      WEBHOOK_IDEMPOTENCY_TABLE: table,
      ...env,
    },
    observability: quietObservability(),
    ...options,
  });
}

/** A delivery of `body` with delivery id `id`, freshly signed as a sender's retry would be. */
function delivery(id: string, body: string, to = topic): ReturnType<typeof apiEvent> {
  const spec: RequestSpec = {
    topic: to,
    body,
    headers: {
      'content-type': 'application/json',
      ...standardWebhooksHeaders(STANDARD_SECRET, body, { id }),
    },
  };
  return apiEvent(spec);
}

/** Records of `topic` whose key (the delivery id) is `id`. */
async function recordsKeyed(id: string, count: number, on = topic) {
  const records = await consumeWithKcat(brokers, on, { count });
  return records.filter((record) => record.key?.toString() === id);
}

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

function recordsOf(answer: Answer): unknown {
  expect(answer.statusCode, answer.body).toBe(200);
  return bodyOf(answer).records;
}

/** A WarmWriter whose writes wait at a gate first: a first delivery held in flight on demand. */
function heldWriter(): { warmWriter: WarmWriter; entered: Promise<void>; release: () => void } {
  const real = containerWarmWriter({ KAFKA_BROKERS: brokers.join(',') });
  const arrival = gate();
  const hold = gate();
  // The handler only writes through its WarmWriter.
  const held: Pick<WarmWriter, 'write'> = {
    async write(messages, context, options) {
      arrival.release();
      await hold.held;
      return real.write(messages, context, options);
    },
  };
  return { warmWriter: held as WarmWriter, entered: arrival.held, release: hold.release };
}

describe('webhook deduplication (WEBHOOK_IDEMPOTENCY_TABLE) on moto DynamoDB and the broker', () => {
  it('writes ten concurrent deliveries of one id once; every 200 carries the same records', async () => {
    const handle = handlerFor(await createIdempotencyTable());
    const id = `msg_${randomUUID()}`;
    const before = await countRecords(brokers, topic);

    const answers = await Promise.all(
      Array.from({ length: 10 }, () => handle(delivery(id, '{"n":1}'), lambdaContext())),
    );

    expect(answers.map((a) => a.statusCode).every((status) => status === 200 || status === 409)).toBe(true);
    const completed = answers.filter((a) => a.statusCode === 200);
    expect(completed.length).toBeGreaterThanOrEqual(1);
    const first = recordsOf(completed[0] as Answer);
    for (const answer of completed) expect(recordsOf(answer)).toEqual(first);
    for (const answer of answers.filter((a) => a.statusCode === 409)) {
      expect(answer.headers['retry-after']).toBe('1');
      expect(bodyOf(answer)).toMatchObject({ status: 409, title: 'Request in progress' });
    }
    expect(await countRecords(brokers, topic)).toBe(before + 1);
    expect(await recordsKeyed(id, before + 1)).toHaveLength(1);
  });

  it('answers 409 to every delivery of an id while its first is in flight, then its records to each retry', async () => {
    const { warmWriter, entered, release } = heldWriter();
    const handle = handlerFor(await createIdempotencyTable(), {}, { warmWriter });
    const id = `msg_${randomUUID()}`;
    const before = await countRecords(brokers, topic);

    const firstAnswer = handle(delivery(id, '{"n":2}'), lambdaContext());
    await entered;
    const during = await Promise.all(
      Array.from({ length: 9 }, () => handle(delivery(id, '{"n":2}'), lambdaContext())),
    );
    release();
    const first = await firstAnswer;
    const retries = await Promise.all(
      Array.from({ length: 10 }, () => handle(delivery(id, '{"n":2}'), lambdaContext())),
    );

    expect(during.map((a) => a.statusCode)).toEqual(Array(9).fill(409));
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    for (const retry of retries) {
      expect(recordsOf(retry)).toEqual(recordsOf(first));
      expect(retry.headers['idempotent-replayed']).toBe('true');
    }
    expect(await countRecords(brokers, topic)).toBe(before + 1);
  });

  it('answers 422 to the same id with a different body, writing nothing', async () => {
    const handle = handlerFor(await createIdempotencyTable());
    const id = `msg_${randomUUID()}`;
    const first = await handle(delivery(id, '{"amount":1}'), lambdaContext());
    const before = await countRecords(brokers, topic);

    const other = await handle(delivery(id, '{"amount":9}'), lambdaContext());

    expect(first.statusCode).toBe(200);
    expect(other.statusCode).toBe(422);
    expect(other.headers['content-type']).toBe('application/problem+json');
    expect(bodyOf(other)).toMatchObject({ status: 422, title: 'Idempotency key reused' });
    expect(await countRecords(brokers, topic)).toBe(before);
  });

  it('writes a retry again once the window is over, though DynamoDB has not deleted the item', async () => {
    const table = await createIdempotencyTable();
    const handle = handlerFor(table, { WEBHOOK_IDEMPOTENCY_TTL_SECONDS: '1' });
    const id = `msg_${randomUUID()}`;
    const first = await handle(delivery(id, '{"n":3}'), lambdaContext());
    const [item] = await itemsOf(table);
    expect(item).toMatchObject({ status: 'COMPLETED', expiration: expect.any(String) });
    // Past the stored expiry (whole seconds), which is all the code compares against.
    const expiresMs = Number(item?.expiration) * 1000;
    await sleep(Math.max(0, expiresMs - Date.now()) + 50);
    expect(await itemsOf(table)).toHaveLength(1);
    const before = await countRecords(brokers, topic);

    const retry = await handle(delivery(id, '{"n":3}'), lambdaContext());

    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(recordsOf(retry)).not.toEqual(recordsOf(first));
    expect(await countRecords(brokers, topic)).toBe(before + 1);
  });

  it('answers 503 when Kafka is down, leaving no record, so the retry writes', async () => {
    const table = await createIdempotencyTable();
    const env = { KAFKA_BROKERS: '127.0.0.1:1', KAFKA_CONNECT_TIMEOUT_MS: '200', KAFKA_MAX_ATTEMPTS: '2' };
    const downWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    const down = handlerFor(table, env, { warmWriter: downWriter });
    const up = handlerFor(table);
    const id = `msg_${randomUUID()}`;
    const before = await countRecords(brokers, topic);
    try {
      const failed = await down(delivery(id, '{"n":4}'), lambdaContext());
      expect(failed.statusCode).toBe(503);
      expect(bodyOf(failed)).toMatchObject({ title: 'Kafka unavailable' });
      expect(await itemsOf(table)).toEqual([]);

      const retry = await up(delivery(id, '{"n":4}'), lambdaContext());

      expect(retry.statusCode, retry.body).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(await countRecords(brokers, topic)).toBe(before + 1);
    } finally {
      await downWriter.close();
    }
  });

  it('answers 503 (fail closed) when DynamoDB cannot be reached, writing nothing', async () => {
    const unreachable = new DynamoDBClient({ endpoint: 'http://127.0.0.1:1', maxAttempts: 1 });
    const handle = handlerFor(await createIdempotencyTable(), {}, { idempotencyClient: unreachable });
    const before = await countRecords(brokers, topic);

    const answer = await handle(delivery(`msg_${randomUUID()}`, '{"n":5}'), lambdaContext());

    expect(answer.statusCode).toBe(503);
    expect(answer.headers['retry-after']).toBe('10');
    expect(bodyOf(answer)).toMatchObject({ status: 503, title: 'Deduplication store unavailable' });
    expect(await countRecords(brokers, topic)).toBe(before);
  });

  it('answers 200 when Kafka took the message but its answer could not be stored; the key frees when that invocation’s time is up', async () => {
    const table = await createIdempotencyTable();
    const client = new DynamoDBClient({});
    // DynamoDB failing between the put and the update, which moto cannot be asked to do.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === UpdateItemCommand.name) throw new Error('injected: DynamoDB unavailable');
        return next(args);
      },
      { step: 'initialize', name: 'failUpdates' },
    );
    const handle = handlerFor(table, {}, { idempotencyClient: client });
    const healthy = handlerFor(table);
    const id = `msg_${randomUUID()}`;
    const before = await countRecords(brokers, topic);

    const first = await handle(delivery(id, '{"n":6}'), lambdaContext(1500));
    const during = await healthy(delivery(id, '{"n":6}'), lambdaContext());
    const [item] = await itemsOf(table);
    await sleep(Math.max(0, Number(item?.in_progress_expiration) - Date.now()) + 50);
    const after = await healthy(delivery(id, '{"n":6}'), lambdaContext());

    expect(first.statusCode, first.body).toBe(200);
    expect(item).toMatchObject({ status: 'INPROGRESS' });
    expect(during.statusCode).toBe(409);
    // The documented cost: a retry after the holder's time is written again.
    expect(after.statusCode).toBe(200);
    expect(recordsOf(after)).not.toEqual(recordsOf(first));
    expect(await countRecords(brokers, topic)).toBe(before + 2);
  });

  it('lets no unauthenticated request occupy a key', async () => {
    const table = await createIdempotencyTable();
    const handle = handlerFor(table);
    const id = `msg_${randomUUID()}`;
    const forged = delivery(id, '{"n":7}');
    forged.body = '{"n":8}';

    const rejected = await handle(forged, lambdaContext());
    const items = await itemsOf(table);
    const genuine = await handle(delivery(id, '{"n":8}'), lambdaContext());

    expect(rejected.statusCode).toBe(401);
    expect(items).toEqual([]);
    expect(genuine.statusCode, genuine.body).toBe(200);
    expect(genuine.headers['idempotent-replayed']).toBeUndefined();
  });

  it('keeps deliveries of one id to two topics apart', async () => {
    const handle = handlerFor(await createIdempotencyTable());
    const id = `msg_${randomUUID()}`;
    const before = await countRecords(brokers, otherTopic);

    const one = await handle(delivery(id, '{"n":9}', topic), lambdaContext());
    const other = await handle(delivery(id, '{"n":9}', otherTopic), lambdaContext());

    expect(recordsOf(one)).toEqual([expect.objectContaining({ topic })]);
    expect(recordsOf(other)).toEqual([expect.objectContaining({ topic: otherTopic })]);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(await countRecords(brokers, otherTopic)).toBe(before + 1);
  });

  it('deduplicates by Idempotency-Key when the scheme has no delivery id, and writes keyless requests as before', async () => {
    const handle = handlerFor(await createIdempotencyTable(), {
      WEBHOOK_SIGNATURE: 'none',
      WEBHOOK_SECRET: '',
    });
    const key = randomUUID();
    const keyed = {
      topic,
      body: '{"n":10}',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
    };
    const keyless = { topic, body: '{"n":11}', headers: { 'content-type': 'application/json' } };
    const before = await countRecords(brokers, topic);

    const first = await handle(apiEvent(keyed), lambdaContext());
    const retry = await handle(apiEvent(keyed), lambdaContext());
    const plain = await handle(apiEvent(keyless), lambdaContext());
    const plainAgain = await handle(apiEvent(keyless), lambdaContext());

    expect(recordsOf(retry)).toEqual(recordsOf(first));
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(recordsOf(plainAgain)).not.toEqual(recordsOf(plain));
    expect(await countRecords(brokers, topic)).toBe(before + 3);
  });

  it('deduplicates Stripe deliveries by the event id in the signed body', async () => {
    const secret = 'whsec_a-signing-secret-of-32-chars';
    const handle = handlerFor(await createIdempotencyTable(), {
      WEBHOOK_SIGNATURE: 'stripe',
      WEBHOOK_SECRET: secret,
    });
    const body = JSON.stringify({ id: `evt_${randomUUID()}`, object: 'event', type: 'invoice.paid' });
    const send = () =>
      handle(
        apiEvent({
          topic,
          body,
          headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(secret, body) },
        }),
        lambdaContext(),
      );
    const before = await countRecords(brokers, topic);

    const first = await send();
    const retry = await send();

    expect(recordsOf(retry)).toEqual(recordsOf(first));
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await countRecords(brokers, topic)).toBe(before + 1);
  });

  it('deduplicates GitHub redeliveries by X-GitHub-Delivery; another delivery of the same body is written', async () => {
    const secret = 'a-github-webhook-secret';
    const handle = handlerFor(await createIdempotencyTable(), {
      WEBHOOK_SIGNATURE: 'github',
      WEBHOOK_SECRET: secret,
    });
    const body = '{"action":"opened"}';
    const send = (delivery: string) =>
      handle(
        apiEvent({
          topic,
          body,
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': gitHubSignature(secret, body),
            'x-github-delivery': delivery,
          },
        }),
        lambdaContext(),
      );
    const [one, two] = [randomUUID(), randomUUID()];
    const before = await countRecords(brokers, topic);

    const first = await send(one);
    const redelivered = await send(one);
    const other = await send(two);

    expect(recordsOf(redelivered)).toEqual(recordsOf(first));
    expect(recordsOf(other)).not.toEqual(recordsOf(first));
    expect(await countRecords(brokers, topic)).toBe(before + 2);
  });
});
