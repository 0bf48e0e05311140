import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { createScheduledHandler } from '../../lib/lambda/scheduled/handler.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { createWebhookHandler } from '../../lib/lambda/webhook/handler.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { lambdaContext } from '../support/sqs-events.ts';
import { createTopic } from '../support/topics.ts';
import { apiEvent, quietObservability } from '../unit/webhook/support.ts';

// Two 64-bit ids that JSON.parse rounds to the same double, 820982911946154500.
const IDS = ['820982911946154508', '820982911946154511'];
const brokers = inject('kafkaBrokers');
const BUCKET = 'json-number-keys';
const writers: WarmWriter[] = [];

// The scheduled handler's S3 client is built with no options, as in Lambda: moto's env applies.
useMoto();
beforeAll(async () => {
  await new S3Client({}).send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await Promise.all(writers.map((w) => w.close()));
});

function warmWriterFor(env: Record<string, string>): WarmWriter {
  const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
  writers.push(warmWriter);
  return warmWriter;
}

/** Keys as kcat reads them back, in offset order (every topic here has one partition). */
async function keysIn(topic: string, count: number): Promise<(string | undefined)[]> {
  return (await consumeWithKcat(brokers, topic, { count })).map((r) => r.key?.toString());
}

describe('keys from JSON pointers keep the source text of numbers (real broker)', () => {
  it('webhook: WEBHOOK_KEY=json:/id gives two 64-bit ids two distinct keys', async () => {
    const topic = await createTopic(brokers, { partitions: 1, config: { 'cleanup.policy': 'compact' } });
    const env = { KAFKA_BROKERS: brokers.join(','), WEBHOOK_TOPICS: topic, WEBHOOK_KEY: 'json:/id' };
    const handle = createWebhookHandler({
      env,
      warmWriter: warmWriterFor(env),
      observability: quietObservability(),
    });

    for (const id of IDS) {
      const result = await handle(apiEvent({ topic, body: `{"id":${id},"type":"paid"}` }), lambdaContext());
      expect(result.statusCode, result.body).toBe(200);
    }

    expect(await keysIn(topic, 2)).toEqual(IDS);
  });

  it('scheduled S3 NDJSON (moto): SCHEDULE_KEY=json:/id keys each line by the id as written', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    await new S3Client({}).send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'ids/lines.ndjson',
        Body: `${IDS.map((id) => `{"id": ${id}, "n": 1.50}`).join('\n')}\n`,
      }),
    );
    const env = {
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC: topic,
      SCHEDULE_SOURCE: `s3://${BUCKET}/ids/`,
      SCHEDULE_KEY: 'json:/id',
    };
    const handler = createScheduledHandler({ env, warmWriter: warmWriterFor(env) });

    const summary = await handler({}, lambdaContext() as never);

    expect(summary).toMatchObject({ published: 2, objectsDone: 1 });
    expect(await keysIn(topic, 2)).toEqual(IDS);
  });

  it('scheduled input: a string value of JSON text is keyed by the id as written', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic, SCHEDULE_KEY: 'json:/id' };
    const handler = createScheduledHandler({ env, warmWriter: warmWriterFor(env) });

    await handler({ messages: IDS.map((id) => ({ value: `{"id":${id}}` })) }, lambdaContext() as never);

    expect(await keysIn(topic, 2)).toEqual(IDS);
  });
});
