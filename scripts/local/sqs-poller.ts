import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { createLambdaContext } from './lambda-context.ts';

/** A Lambda handler for SQS events, as the bridge's functions/sqs exports it. */
// biome-ignore lint/suspicious/noConfusingVoidType: the same return type as aws-lambda's SQSHandler, so its handlers fit.
export type SqsEventHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/** Where the poller reports; Powertools' Logger and `console` both fit. */
export interface SqsPollerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface SqsPollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  handler: SqsEventHandler;
  /** Records per invocation: 1-10,000 (FIFO: 1-10); above 10 needs a batching window of >= 1 s. Default 10. */
  batchSize?: number;
  /** How long to keep receiving after the first message, to fill the batch (0-300,000). Default 0. */
  maxBatchingWindowMs?: number;
  /** Overrides the queue's own visibility timeout on receive (Lambda uses the queue's). Default: the queue's. */
  visibilityTimeoutSeconds?: number;
  /** The function's timeout: the context counts down from it, and a handler still running then has failed. Default 3,000 (Lambda's). */
  functionTimeoutMs?: number;
  /** Default 'sqs-bridge'. */
  functionName?: string;
  /** The mapping's FunctionResponseTypes includes ReportBatchItemFailures. Default true (the CDK stack sets it). */
  reportBatchItemFailures?: boolean;
  /** Long-poll wait of the receive that starts a batch (0-20). Default 20, as Lambda's pollers. */
  waitTimeSeconds?: number;
  /** Default: warnings and errors to stderr. */
  logger?: SqsPollerLogger;
}

/** What one poll did. Every received record is either deleted or left for SQS to redeliver. */
export interface PollResult {
  received: number;
  /** Records deleted from the queue (acknowledged). */
  deleted: number;
  /** Records left in the queue: they reappear after the visibility timeout, or go to the DLQ. */
  failed: number;
  /** Why the whole batch failed (handler threw, timed out, invalid batchItemFailures), if it did. */
  error?: Error;
}

/** Lambda's synchronous invocation payload limit: a batch stops growing before it. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** System attributes in the order Lambda's documented events list them; others follow as SQS returns them. */
const ATTRIBUTE_ORDER = [
  'ApproximateReceiveCount',
  'SentTimestamp',
  'SequenceNumber',
  'MessageGroupId',
  'SenderId',
  'MessageDeduplicationId',
  'ApproximateFirstReceiveTimestamp',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];

const stderrLogger: SqsPollerLogger = {
  info: () => {},
  warn: (message, fields) => console.error(JSON.stringify({ level: 'WARN', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'ERROR', message, ...fields })),
};

/**
 * The local stand-in for Lambda's SQS event source mapping: receives batches (long polling, a
 * batching window up to batchSize), invokes the handler with an event in AWS's documented shape,
 * and deletes exactly the records the handler did not report in `batchItemFailures`. A handler
 * that throws or times out deletes nothing. Failed records are left to the queue: they come back
 * after the visibility timeout, and the queue's redrive policy moves them to its DLQ.
 *
 * @example
 * const poller = new SqsPoller({ sqs: new SQSClient({}), queueUrl, handler, batchSize: 10 });
 * poller.start();
 * process.once('SIGINT', () => void poller.stop());
 */
export class SqsPoller {
  private readonly sqs: SQSClient;
  private readonly queueUrl: string;
  private readonly handler: SqsEventHandler;
  private readonly batchSize: number;
  private readonly maxBatchingWindowMs: number;
  private readonly visibilityTimeoutSeconds: number | undefined;
  private readonly functionTimeoutMs: number;
  private readonly functionName: string;
  private readonly reportBatchItemFailures: boolean;
  private readonly waitTimeSeconds: number;
  private readonly logger: SqsPollerLogger;
  private readonly fifo: boolean;
  private queueArn: Promise<string> | undefined;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(options: SqsPollerOptions) {
    this.sqs = options.sqs;
    this.queueUrl = options.queueUrl;
    this.handler = options.handler;
    this.batchSize = options.batchSize ?? 10;
    this.maxBatchingWindowMs = options.maxBatchingWindowMs ?? 0;
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds;
    this.functionTimeoutMs = options.functionTimeoutMs ?? 3_000;
    this.functionName = options.functionName ?? 'sqs-bridge';
    this.reportBatchItemFailures = options.reportBatchItemFailures ?? true;
    this.waitTimeSeconds = options.waitTimeSeconds ?? 20;
    this.logger = options.logger ?? stderrLogger;
    this.fifo = options.queueUrl.endsWith('.fifo');
    const problems = this.problems();
    if (problems.length > 0) throw new Error(`invalid SqsPoller options:\n- ${problems.join('\n- ')}`);
  }

  /** True between start() and the end of stop(). */
  get running(): boolean {
    return this.loop !== undefined;
  }

  /**
   * Receives one batch, invokes the handler once with it (never with an empty batch) and deletes
   * what succeeded. Resolves to zero counts when nothing arrived within waitTimeSeconds.
   */
  async pollOnce(): Promise<PollResult> {
    const queueArn = await this.resolveQueueArn();
    const messages = await this.gather(queueArn);
    if (messages.length === 0) return { received: 0, deleted: 0, failed: 0 };

    const records = messages.map((message) => sqsRecordFromMessage(message, queueArn));
    const outcome = await this.invoke({ Records: records });
    const toDelete =
      outcome.kind === 'failed' ? [] : messages.filter((m) => !outcome.failedIds.has(m.MessageId ?? ''));
    const deleted = await this.delete(toDelete);
    const result: PollResult = { received: messages.length, deleted, failed: messages.length - deleted };
    if (outcome.kind === 'failed') {
      result.error = outcome.error;
      this.logger.error('invocation failed; the whole batch returns to the queue', {
        functionName: this.functionName,
        records: messages.length,
        error: outcome.error.message,
      });
    }
    return result;
  }

  /** Polls until stop(); a failing receive (queue gone, endpoint down) is logged and retried after 1 s. */
  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.loop = (async () => {
      while (!signal.aborted) {
        try {
          await this.pollOnce();
        } catch (error) {
          if (signal.aborted) break;
          this.logger.error('polling failed; retrying in 1 s', {
            queueUrl: this.queueUrl,
            error: (error as Error).message,
          });
          await sleep(1_000, signal);
        }
      }
    })();
  }

  /** Stops polling: an open receive is cancelled, a batch being handled finishes and is deleted. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = undefined;
    // pollOnce() after stop() polls again instead of being cancelled at once.
    this.abort = new AbortController();
  }

  private problems(): string[] {
    const problems: string[] = [];
    const maxBatch = this.fifo ? 10 : 10_000;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > maxBatch) {
      problems.push(
        `batchSize must be an integer from 1 to ${maxBatch}${this.fifo ? ' for a FIFO queue' : ''}`,
      );
    }
    if (
      !Number.isFinite(this.maxBatchingWindowMs) ||
      this.maxBatchingWindowMs < 0 ||
      this.maxBatchingWindowMs > 300_000
    ) {
      problems.push('maxBatchingWindowMs must be from 0 to 300000 (5 minutes)');
    }
    // Lambda rejects the same mapping: without a window a batch is one receive of at most 10.
    if (this.batchSize > 10 && this.maxBatchingWindowMs < 1_000) {
      problems.push('a batchSize above 10 needs maxBatchingWindowMs of at least 1000');
    }
    const visibility = this.visibilityTimeoutSeconds;
    if (
      visibility !== undefined &&
      (!Number.isInteger(visibility) || visibility < 0 || visibility > 43_200)
    ) {
      problems.push('visibilityTimeoutSeconds must be an integer from 0 to 43200');
    }
    if (
      !Number.isFinite(this.functionTimeoutMs) ||
      this.functionTimeoutMs < 1 ||
      this.functionTimeoutMs > 900_000
    ) {
      problems.push('functionTimeoutMs must be from 1 to 900000 (15 minutes)');
    }
    if (!Number.isInteger(this.waitTimeSeconds) || this.waitTimeSeconds < 0 || this.waitTimeSeconds > 20) {
      problems.push('waitTimeSeconds must be an integer from 0 to 20');
    }
    return problems;
  }

  /** The queue's ARN for eventSourceARN, looked up once; a failed lookup is retried next poll. */
  private resolveQueueArn(): Promise<string> {
    this.queueArn ??= this.sqs
      .send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['QueueArn'] }))
      .then((out) => {
        const arn = out.Attributes?.QueueArn;
        if (!arn) throw new Error(`SQS returned no QueueArn for ${this.queueUrl}`);
        return arn;
      })
      .catch((error: unknown) => {
        this.queueArn = undefined;
        throw error;
      });
    return this.queueArn;
  }

  /**
   * One batch as Lambda gathers it: a long-polled first receive, then more receives until the
   * batch is full, the window (counted from the first message) ends, or the payload limit is near.
   */
  private async gather(queueArn: string): Promise<Message[]> {
    const signal = this.abort.signal;
    const first = await this.receive(Math.min(10, this.batchSize), this.waitTimeSeconds, signal);
    const batch: Message[] = [];
    let bytes = 0;
    const take = async (messages: Message[]): Promise<boolean> => {
      for (const [index, message] of messages.entries()) {
        const size = Buffer.byteLength(JSON.stringify(sqsRecordFromMessage(message, queueArn))) + 1;
        if (batch.length > 0 && bytes + size > MAX_PAYLOAD_BYTES - 64) {
          // Already received: hand them straight back rather than hide them for a visibility timeout
          // (their ApproximateReceiveCount went up all the same, as with any receive).
          await this.release(messages.slice(index));
          return false;
        }
        batch.push(message);
        bytes += size;
      }
      return true;
    };
    if (!(await take(first))) return batch;
    if (batch.length === 0) return batch;

    const windowEnds = Date.now() + this.maxBatchingWindowMs;
    while (batch.length < this.batchSize && !signal.aborted) {
      const remainingMs = windowEnds - Date.now();
      if (remainingMs <= 0) break;
      // WaitTimeSeconds is whole seconds: below one second left, short polls fill the rest.
      const wait = Math.min(20, Math.floor(remainingMs / 1000));
      let more: Message[];
      try {
        more = await this.receive(Math.min(10, this.batchSize - batch.length), wait, signal);
      } catch (error) {
        // stop() during the window: the records already received are still handled.
        if (signal.aborted) break;
        throw error;
      }
      if (!(await take(more))) break;
      if (more.length === 0 && wait === 0) await sleep(Math.min(remainingMs, 50), signal);
    }
    return batch;
  }

  private async receive(max: number, waitTimeSeconds: number, signal: AbortSignal): Promise<Message[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitTimeSeconds,
        VisibilityTimeout: this.visibilityTimeoutSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: signal },
    );
    return out.Messages ?? [];
  }

  private async invoke(
    event: SQSEvent,
  ): Promise<{ kind: 'succeeded'; failedIds: Set<string> } | { kind: 'failed'; error: Error }> {
    const context = createLambdaContext({
      functionName: this.functionName,
      timeoutMs: this.functionTimeoutMs,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Task timed out after ${(this.functionTimeoutMs / 1000).toFixed(2)} seconds`)),
        this.functionTimeoutMs,
      );
    });
    try {
      // A timed-out handler keeps running here (Lambda would freeze it); its result is ignored.
      const response = await Promise.race([
        Promise.resolve().then(() => this.handler(event, context)),
        timeout,
      ]);
      if (!this.reportBatchItemFailures) return { kind: 'succeeded', failedIds: new Set() };
      const ids = new Set(event.Records.map((record) => record.messageId));
      const verdict = readBatchItemFailures(response, ids);
      return 'invalid' in verdict
        ? { kind: 'failed', error: new Error(`invalid partial batch response: ${verdict.invalid}`) }
        : { kind: 'succeeded', failedIds: verdict.failedIds };
    } catch (error) {
      return { kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** DeleteMessageBatch in chunks of 10; returns how many SQS confirmed. */
  private async delete(messages: Message[]): Promise<number> {
    let deleted = 0;
    for (let start = 0; start < messages.length; start += 10) {
      const chunk = messages.slice(start, start + 10);
      try {
        const out = await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
        deleted += out.Successful?.length ?? 0;
        for (const failure of out.Failed ?? []) {
          const message = chunk[Number(failure.Id)];
          this.logger.warn('delete failed; the record will be delivered again', {
            messageId: message?.MessageId,
            code: failure.Code,
            error: failure.Message,
          });
        }
      } catch (error) {
        this.logger.warn('DeleteMessageBatch failed; its records will be delivered again', {
          messageIds: chunk.map((m) => m.MessageId),
          error: (error as Error).message,
        });
      }
    }
    return deleted;
  }

  /** Makes received messages visible again at once (visibility timeout 0). */
  private async release(messages: Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += 10) {
      const chunk = messages.slice(start, start + 10);
      try {
        await this.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((m, i) => ({
              Id: String(i),
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        );
      } catch (error) {
        this.logger.warn(
          'could not release records past the payload limit; they return after the visibility timeout',
          {
            messageIds: chunk.map((m) => m.MessageId),
            error: (error as Error).message,
          },
        );
      }
    }
  }
}

/**
 * Reads a handler's partial batch response as Lambda does (docs: "Success and failure
 * conditions"). No response, no list or an empty list: every record succeeded. A list entry
 * without an `itemIdentifier`, with an empty or null one, or naming a message that is not in the
 * batch makes the whole batch fail. A response that is not a JSON object (a string, an array) is
 * also read as a failure: nothing is deleted on a response we cannot interpret.
 */
export function readBatchItemFailures(
  response: unknown,
  batchMessageIds: ReadonlySet<string>,
): { failedIds: Set<string> } | { invalid: string } {
  if (response === undefined || response === null) return { failedIds: new Set() };
  let value: unknown;
  try {
    // Lambda serializes the return value; toJSON() and class instances behave as they would there.
    value = JSON.parse(JSON.stringify(response) ?? 'null');
  } catch (error) {
    return { invalid: `the response is not serializable to JSON (${(error as Error).message})` };
  }
  if (value === null) return { failedIds: new Set() };
  if (typeof value !== 'object' || Array.isArray(value))
    return { invalid: 'the response is not a JSON object' };
  const list = (value as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return { failedIds: new Set() };
  if (!Array.isArray(list)) return { invalid: 'batchItemFailures is not a list' };
  const failedIds = new Set<string>();
  for (const item of list) {
    if (item === null || typeof item !== 'object' || !('itemIdentifier' in item)) {
      return { invalid: `an entry has no itemIdentifier: ${JSON.stringify(item)}` };
    }
    const id = (item as { itemIdentifier: unknown }).itemIdentifier;
    if (id === null || id === '') return { invalid: 'an itemIdentifier is empty or null' };
    if (typeof id !== 'string' || !batchMessageIds.has(id)) {
      return { invalid: `itemIdentifier ${JSON.stringify(id)} is not a messageId of this batch` };
    }
    failedIds.add(id);
  }
  return { failedIds };
}

/** One received SQS message as a record of Lambda's SQS event. */
export function sqsRecordFromMessage(message: Message, queueArn: string): SQSRecord {
  const returned = message.Attributes ?? {};
  const attributes: Record<string, string> = {};
  for (const name of ATTRIBUTE_ORDER) {
    const value = returned[name as keyof typeof returned];
    if (value !== undefined) attributes[name] = value;
  }
  for (const [name, value] of Object.entries(returned)) {
    if (value !== undefined && !(name in attributes)) attributes[name] = value;
  }

  // No prototype: an attribute may be named `__proto__`, which a plain object would swallow.
  const messageAttributes = Object.create(null) as SQSMessageAttributes;
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    // @aws-sdk/client-sqs hands an attribute named `__proto__` over without its value: skip it
    // rather than fail the whole batch (Lambda's own event source mapping delivers it whole).
    if (value === undefined) continue;
    messageAttributes[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      dataType: value.DataType ?? 'String',
    };
  }

  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: attributes as unknown as SQSRecord['attributes'],
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? '',
  };
  // Lambda's documented events carry md5OfMessageAttributes only when the message has attributes.
  if (message.MD5OfMessageAttributes) {
    return { ...record, md5OfMessageAttributes: message.MD5OfMessageAttributes };
  }
  return record;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
