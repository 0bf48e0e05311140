import { ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { createSqsHandler } from '../../lib/lambda/sqs/handler.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { SqsPoller, type SqsPollerLogger } from '../../scripts/local/sqs-poller.ts';
import { createQueueWithDlq } from '../../scripts/moto/queues.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { createTopic } from '../support/topics.ts';

// SQS -> handler -> Kafka through moto's real SQS API and the local event-source poller: the
// accounting that matters is that every sent message ends up in Kafka or in the DLQ.
const brokers = inject('kafkaBrokers');
const moto = useMoto();
const quiet: SqsPollerLogger = { info: () => {}, warn: () => {}, error: () => {} };
const writers: WarmWriter[] = [];
afterAll(async () => {
  await Promise.all(writers.map((w) => w.close()));
});

async function drain(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((m) => m.Body as string));
  }
}

describe('SQS bridge end to end (moto SQS, local event source, real broker)', () => {
  it('deletes only what Kafka acknowledged; poisoned records reach the DLQ; nothing is lost', async () => {
    moto();
    const sqs = new SQSClient({});
    // Visibility longer than an invocation, as AWS advises, so nothing is received twice.
    const { queueUrl, dlqUrl } = await createQueueWithDlq(sqs, `bridge-${Date.now()}`, {
      visibilityTimeoutSeconds: 3,
      maxReceiveCount: 2,
    });
    const topic = await createTopic(brokers, { partitions: 3, config: { 'max.message.bytes': '4000' } });
    const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic };
    const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    writers.push(warmWriter);
    const handler = createSqsHandler({ env, warmWriter });
    const bodies = Array.from({ length: 95 }, (_, i) =>
      i % 19 === 3 ? `poison-${i}-${'p'.repeat(8000)}` : `ok-${i}`,
    );
    for (let start = 0; start < bodies.length; start += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: bodies.slice(start, start + 10).map((body, i) => ({ Id: String(i), MessageBody: body })),
        }),
      );
    }
    const poller = new SqsPoller({
      sqs,
      queueUrl,
      handler,
      batchSize: 50,
      maxBatchingWindowMs: 1000,
      logger: quiet,
      waitTimeSeconds: 1,
    });

    let acknowledged = 0;
    for (let round = 0; round < 12; round++) {
      const result = await poller.pollOnce();
      acknowledged += result.deleted;
      if (result.received === 0 && round > 4) break;
      if (result.received > 0 && result.failed > 0) await new Promise((r) => setTimeout(r, 3100)); // failed ones reappear
    }

    const good = bodies.filter((b) => b.startsWith('ok-'));
    const poison = bodies.filter((b) => b.startsWith('poison-'));
    const inKafka = (await consumeWithKcat(brokers, topic, { count: good.length, atLeast: true })).map((r) =>
      r.value?.toString(),
    );
    const inDlq = await drain(sqs, dlqUrl);
    expect(acknowledged).toBe(good.length);
    expect(new Set(inKafka)).toEqual(new Set(good));
    expect(inDlq.sort()).toEqual(poison.sort());
    expect(new Set([...inKafka, ...inDlq]).size).toBe(bodies.length); // every message accounted for
  }, 90_000);
});
