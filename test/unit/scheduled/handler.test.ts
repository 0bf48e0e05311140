import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../lib/config/errors.ts';
import { readKafkaConfig } from '../../../lib/config/kafka-config.ts';
import type { Observability } from '../../../lib/lambda/observability.ts';
import type { BatchSource, SourceBatch } from '../../../lib/lambda/scheduled/batch-source.ts';
import { InvalidScheduleInputError } from '../../../lib/lambda/scheduled/errors.ts';
import { createScheduledHandler } from '../../../lib/lambda/scheduled/handler.ts';
import { HeldBackError } from '../../../lib/lambda/staged-write.ts';
import {
  type InvocationContext,
  type WarmWriteOptions,
  WarmWriter,
} from '../../../lib/lambda/warm-writer.ts';
import { SchemaRegistryError, SchemaValidationError } from '../../../lib/schema/value-serializer.ts';
import { BrokerError, MessageTooLargeError, WriteErrors } from '../../../lib/writer/errors.ts';
import type { Message } from '../../../lib/writer/message.ts';
import type { RecordMetadata } from '../../../lib/writer/writer.ts';

const ENV = { KAFKA_BROKERS: '127.0.0.1:9', KAFKA_TOPIC: 'scheduled', KAFKA_DEADLINE_MARGIN_MS: '100' };

/** A WarmWriter whose writes follow a script instead of reaching a broker (the corner cases). */
class ScriptedWarmWriter extends WarmWriter {
  readonly calls: Message[][] = [];

  constructor(
    private readonly script: (
      messages: readonly Message[],
      call: number,
      options: WarmWriteOptions,
    ) => Promise<void> | void,
  ) {
    super({ config: readKafkaConfig(ENV).config });
  }

  override async write(
    messages: readonly Message[],
    _context: InvocationContext,
    options: WarmWriteOptions = {},
  ): Promise<RecordMetadata[]> {
    this.calls.push([...messages]);
    await this.script(messages, this.calls.length, options);
    return messages.map(
      (_, i) => ({ topic: 'scheduled', partition: 0, offset: String(i) }) as RecordMetadata,
    );
  }
}

/** A source of numbered messages in batches, recording every commit and reject. */
function countingSource(options: { batches: number; size?: number; resumable?: boolean }) {
  const events: string[] = [];
  let n = 0;
  const source: BatchSource & { events: string[] } = {
    resumable: options.resumable ?? true,
    events,
    async *batches(signal: AbortSignal): AsyncGenerator<SourceBatch> {
      for (let b = 0; b < options.batches; b++) {
        if (signal.aborted) return;
        const messages = Array.from({ length: options.size ?? 3 }, () => ({ value: `m${++n}` }));
        yield {
          messages,
          commit: async (count = messages.length) => {
            events.push(`commit ${messages[0]?.value}+${count}`);
          },
          reject: async (index: number) => {
            events.push(`reject ${messages[index]?.value}`);
          },
        };
      }
    },
    report: () => ({ objectsDone: 0, objectsFailed: 0 }),
  };
  return source;
}

function context(remainingMs: number): Context {
  const deadline = Date.now() + remainingMs;
  return {
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as Context;
}

const SILENT = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
function quiet(): Observability {
  return {
    logger: new Logger({ serviceName: 'scheduled-test', logLevel: 'SILENT' }),
    metrics: new Metrics({ serviceName: 'scheduled-test', namespace: 'Test', logger: SILENT }),
  };
}

describe('createScheduledHandler', () => {
  beforeEach(() => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reports every configuration problem at cold start', () => {
    expect(() =>
      createScheduledHandler({ env: { SCHEDULE_SOURCE: 's3://bucket-a/in/', SCHEDULE_BATCH_SIZE: 'x' } }),
    ).toThrow(ConfigError);
    try {
      createScheduledHandler({ env: { SCHEDULE_SOURCE: 's3://bucket-a/in/', SCHEDULE_BATCH_SIZE: 'x' } });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'KAFKA_BROKERS is required (comma-separated host:port list)',
        'SCHEDULE_SOURCE=s3://... needs KAFKA_TOPIC: NDJSON lines are written to it',
        'SCHEDULE_BATCH_SIZE must be an integer from 1 to 100000, got "x"',
      ]);
    }
  });

  it('writes each batch and commits it only after the write returned', async () => {
    const source = countingSource({ batches: 3 });
    const warmWriter = new ScriptedWarmWriter(() => {
      source.events.push('write');
    });
    const handler = createScheduledHandler({ env: ENV, warmWriter, observability: quiet(), source });

    const summary = await handler({}, context(10_000));

    expect(summary).toEqual({ published: 9, objectsDone: 0, objectsFailed: 0, stoppedForTime: false });
    expect(source.events).toEqual(['write', 'commit m1+3', 'write', 'commit m4+3', 'write', 'commit m7+3']);
  });

  it('stops a resumable source before the time budget is used, everything written committed', async () => {
    const source = countingSource({ batches: 1000 });
    const warmWriter = new ScriptedWarmWriter(() => new Promise((resolve) => setTimeout(resolve, 40)));
    const handler = createScheduledHandler({
      env: { ...ENV, SCHEDULE_STOP_MARGIN_MS: '200' },
      warmWriter,
      observability: quiet(),
      source,
    });
    const started = Date.now();

    const summary = await handler({}, context(1000));

    const elapsed = Date.now() - started;
    expect(summary.stoppedForTime).toBe(true);
    expect(summary.published).toBe(warmWriter.calls.length * 3);
    expect(source.events.filter((e) => e.startsWith('commit'))).toHaveLength(warmWriter.calls.length);
    // Budget 900 ms (1000 - KAFKA_DEADLINE_MARGIN_MS); stopped with the margin and a batch to spare.
    expect(elapsed).toBeLessThan(900 - 200 + 40);
    expect(elapsed).toBeGreaterThan(400);
  });

  it('ends a run cleanly when the stop signal aborts a slow read', async () => {
    const source: BatchSource = {
      resumable: true,
      async *batches(signal) {
        yield { messages: [{ value: 'first' }], commit: async () => {} };
        await new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('AbortError'))),
        );
      },
    };
    const handler = createScheduledHandler({
      env: { ...ENV, SCHEDULE_STOP_MARGIN_MS: '100' },
      warmWriter: new ScriptedWarmWriter(() => {}),
      observability: quiet(),
      source,
    });

    expect(await handler({}, context(500))).toEqual({
      published: 1,
      objectsDone: 0,
      objectsFailed: 0,
      stoppedForTime: true,
    });
  });

  it('never cuts a source short that cannot resume: its messages would be lost', async () => {
    const source = countingSource({ batches: 8, resumable: false });
    const warmWriter = new ScriptedWarmWriter(() => new Promise((resolve) => setTimeout(resolve, 40)));
    const handler = createScheduledHandler({
      env: { ...ENV, SCHEDULE_STOP_MARGIN_MS: '200' },
      warmWriter,
      observability: quiet(),
      source,
    });

    const summary = await handler({}, context(600));

    expect(summary).toMatchObject({ published: 24, stoppedForTime: false });
  });

  it('saves the acknowledged part of a failed batch, then throws so the invocation is retried', async () => {
    const source = countingSource({ batches: 3, size: 5 });
    const failure = new WriteErrors([
      undefined,
      undefined,
      new BrokerError('NOT_LEADER', 'NOT_LEADER_OR_FOLLOWER', 10, { retriable: true }),
      undefined,
      new BrokerError('NOT_LEADER', 'NOT_LEADER_OR_FOLLOWER', 10, { retriable: true }),
    ]);
    const warmWriter = new ScriptedWarmWriter((_, call) => {
      if (call === 2) throw failure;
    });
    const handler = createScheduledHandler({ env: ENV, warmWriter, observability: quiet(), source });

    await expect(handler({}, context(10_000))).rejects.toBe(failure);
    expect(source.events).toEqual(['commit m1+5', 'commit m6+2']);
  });

  it('hands a message Kafka can never take back to the source after writing the ones before it', async () => {
    const source = countingSource({ batches: 2, size: 4 });
    const warmWriter = new ScriptedWarmWriter((messages, call) => {
      if (call === 1) {
        const big = messages[2] as Message;
        throw new MessageTooLargeError(big, messages.slice(3), 2_000_000, 1_048_576);
      }
    });
    const handler = createScheduledHandler({ env: ENV, warmWriter, observability: quiet(), source });

    const summary = await handler({}, context(10_000));

    expect(warmWriter.calls.map((c) => c.map((m) => m.value))).toEqual([
      ['m1', 'm2', 'm3', 'm4'],
      ['m1', 'm2'],
      ['m5', 'm6', 'm7', 'm8'],
    ]);
    expect(source.events).toEqual(['commit m1+2', 'reject m3', 'commit m5+4']);
    expect(summary.published).toBe(6);
  });

  it('hands a message whose value fails the schema back to the source, writing nothing after it', async () => {
    const source = countingSource({ batches: 2, size: 4 });
    const options: WarmWriteOptions[] = [];
    const warmWriter = new ScriptedWarmWriter((_messages, call, writeOptions) => {
      options.push(writeOptions);
      if (call === 1) {
        // As the encoding stage answers with keepOrder: m3 invalid, m4 held back behind it.
        const invalid = new SchemaValidationError('must be a string', '/id');
        throw new WriteErrors(
          [undefined, undefined, invalid, new HeldBackError('held back', invalid)],
          [
            { topic: 'scheduled', partition: 0, offset: '0' },
            { topic: 'scheduled', partition: 0, offset: '1' },
          ],
        );
      }
    });
    const handler = createScheduledHandler({ env: ENV, warmWriter, observability: quiet(), source });

    const summary = await handler({}, context(10_000));

    // m1 and m2 were acknowledged in the first call: committed, not written again.
    expect(warmWriter.calls.map((c) => c.map((m) => m.value))).toEqual([
      ['m1', 'm2', 'm3', 'm4'],
      ['m5', 'm6', 'm7', 'm8'],
    ]);
    expect(source.events).toEqual(['commit m1+2', 'reject m3', 'commit m5+4']);
    expect(summary.published).toBe(6);
    expect(options.every((o) => o.keepOrder === true)).toBe(true);
  });

  it('saves what was acknowledged and throws when the schema registry is unavailable', async () => {
    const source = countingSource({ batches: 2, size: 3 });
    const down = new SchemaRegistryError('registry unavailable');
    const failure = new WriteErrors(
      [undefined, down, new HeldBackError('held back', down)],
      [{ topic: 'scheduled', partition: 0, offset: '0' }],
    );
    const warmWriter = new ScriptedWarmWriter(() => {
      throw failure;
    });
    const handler = createScheduledHandler({ env: ENV, warmWriter, observability: quiet(), source });

    await expect(handler({}, context(10_000))).rejects.toBe(failure);
    // Not rejected: the next run resumes at m2.
    expect(source.events).toEqual(['commit m1+1']);
  });

  it('rejects a malformed schedule input before writing anything', async () => {
    const warmWriter = new ScriptedWarmWriter(() => {});
    const handler = createScheduledHandler({ env: ENV, warmWriter, observability: quiet() });

    await expect(
      handler({ messages: [{ value: 'ok' }, { key: 'no value' }] }, context(10_000)),
    ).rejects.toBeInstanceOf(InvalidScheduleInputError);
    expect(warmWriter.calls).toEqual([]);
  });

  it('builds the source per invocation from the event when given a factory', async () => {
    const warmWriter = new ScriptedWarmWriter(() => {});
    const handler = createScheduledHandler({
      env: ENV,
      warmWriter,
      observability: quiet(),
      source: (event) => ({
        resumable: false,
        async *batches() {
          yield { messages: [{ value: JSON.stringify(event) }], commit: async () => {} };
        },
      }),
    });

    await handler({ run: 1 }, context(10_000));
    await handler({ run: 2 }, context(10_000));

    expect(warmWriter.calls.map((c) => c[0]?.value)).toEqual(['{"run":1}', '{"run":2}']);
  });
});
