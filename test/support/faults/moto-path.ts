import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { SqsPoller, type SqsPollerLogger } from '../../../scripts/local/sqs-poller.ts';
import { createQueueWithDlq } from '../../../scripts/moto/queues.ts';
import { bodyFor, idOfBody } from './ledger.ts';
import { feed, type SinkTarget, sqsHandler } from './paths.ts';

export interface MotoPathOptions extends SinkTarget {
  /** The moto server's endpoint. */
  endpoint: string;
  messageBytes: number;
  releaseAtMs: (index: number) => number;
  startedAt: number;
  /** The function timeout (also the invocation's context countdown). */
  invocationTimeoutMs: number;
  maxReceiveCount: number;
  /** Polling stops here; what is left in the queue counts as failed back. */
  stopAt: number;
}

const quiet: SqsPollerLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * The SQS path with real SQS APIs: messages sent to a moto queue whose redrive policy feeds a DLQ,
 * polled by SqsPoller (the local event source mapping, which deletes only what the handler did not
 * report in batchItemFailures) into createSqsHandler. At the end, whatever is still in the queue or
 * in the DLQ is read back: that is what "failed back to its source" means here.
 * Returns the ids still failed back.
 */
export async function runMotoPath(options: MotoPathOptions): Promise<string[]> {
  const { ledger } = options;
  const sqs = new SQSClient({
    endpoint: options.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  // Longer than the function timeout, as AWS advises, so a running invocation's records stay hidden.
  const visibilitySeconds = Math.ceil(options.invocationTimeoutMs / 1000) + 1;
  const name = `faults-${ledger.scenario}-${Date.now()}`;
  const { queueUrl, dlqUrl } = await createQueueWithDlq(sqs, name, {
    visibilityTimeoutSeconds: visibilitySeconds,
    maxReceiveCount: options.maxReceiveCount,
  });

  const { handler, warmWriter } = sqsHandler(options);
  const observed = async (event: SQSEvent, context: Parameters<typeof handler>[1]) => {
    const ids = event.Records.map((r) => idOfBody(r.body) as string);
    ledger.delivered(ids);
    const response = await handler(event, context);
    const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    // Acknowledged means Kafka acknowledged it; the poller may still fail to delete it, which can
    // only cause a redelivery, never a loss.
    ledger.acked(
      event.Records.filter((r) => !failed.has(r.messageId)).map((r) => idOfBody(r.body) as string),
    );
    return response;
  };
  const poller = new SqsPoller({
    sqs,
    queueUrl,
    handler: observed,
    batchSize: 100,
    maxBatchingWindowMs: 1000,
    functionTimeoutMs: options.invocationTimeoutMs,
    waitTimeSeconds: 1,
    logger: quiet,
  });

  let fed = false;
  const feeding = feed(
    async (ids) => {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: ids.map((id, i) => ({ Id: String(i), MessageBody: bodyFor(id, options.messageBytes) })),
        }),
      );
    },
    ledger.ids,
    options.releaseAtMs,
    options.startedAt,
    10,
  ).finally(() => {
    fed = true;
  });
  poller.start();
  try {
    while (Date.now() < options.stopAt) {
      await sleep(1000);
      if (fed && (await depth(sqs, queueUrl)) === 0) break;
    }
  } finally {
    await feeding;
    await poller.stop();
    await warmWriter.close(5_000);
  }

  // Records received by an invocation that timed out stay hidden for the visibility timeout.
  if ((await depth(sqs, queueUrl)) > 0) await sleep(visibilitySeconds * 1000 + 500);
  const leftInQueue = await drain(sqs, queueUrl);
  const inDlq = await drain(sqs, dlqUrl);
  ledger.note(`sqs-moto: ${inDlq.length} in the DLQ, ${leftInQueue.length} left in the queue`);
  return [...leftInQueue, ...inDlq];
}

/** Messages in a queue, visible or in flight. */
async function depth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Reads every message left in a queue (hiding each for a minute, so none is read twice). */
async function drain(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
      }),
    );
    if (Messages.length === 0) return ids;
    ids.push(...Messages.map((m) => idOfBody(m.Body) as string));
  }
}
