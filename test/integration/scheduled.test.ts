import { readFileSync } from 'node:fs';
import { CreateBucketCommand, GetObjectTaggingCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { InvalidScheduleInputError } from '../../lib/lambda/scheduled/errors.ts';
import { createScheduledHandler, type ScheduledRunSummary } from '../../lib/lambda/scheduled/handler.ts';
import { type InvocationContext, WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { WriteErrors } from '../../lib/writer/errors.ts';
import type { Message } from '../../lib/writer/message.ts';
import type { RecordMetadata } from '../../lib/writer/writer.ts';
import { useDedicatedCluster } from '../support/dedicated-cluster.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { lambdaContext } from '../support/sqs-events.ts';
import { countRecords, createTopic } from '../support/topics.ts';

const brokers = inject('kafkaBrokers');
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/scheduled/${name}.json`, import.meta.url), 'utf8'));
/** What an EventBridge cron rule delivers: the S3 source ignores its content. */
const cronEvent = fixture('scheduled-event');
const BUCKET = 'scheduled-batches';

// The handler's S3 client is built with no options, like in Lambda: useMoto() points the
// environment (AWS_ENDPOINT_URL, region, credentials) at this file's moto server.
useMoto();
let s3: S3Client;
beforeAll(async () => {
  s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

async function tagsOf(key: string): Promise<Record<string, string>> {
  const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }));
  return Object.fromEntries((TagSet ?? []).map((t) => [t.Key, t.Value]));
}

async function putObject(key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

/** `count` NDJSON lines with unique ids and a multibyte character, as one object body. */
function ndjsonLines(count: number, tag: string): string[] {
  return Array.from(
    { length: count },
    (_, i) =>
      `{"id":"${tag}-${String(i + 1).padStart(5, '0')}","n":${i + 1},"city":"Zürich","pad":"${'x'.repeat(40)}"}`,
  );
}

function s3Handler(
  kafkaBrokers: string[],
  topic: string,
  prefix: string,
  extra: Record<string, string> = {},
) {
  const env = {
    KAFKA_BROKERS: kafkaBrokers.join(','),
    KAFKA_TOPIC: topic,
    SCHEDULE_SOURCE: `s3://${BUCKET}/${prefix}`,
    SCHEDULE_KEY: 'json:/id',
    ...extra,
  };
  const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
  return { handler: createScheduledHandler({ env, warmWriter }), warmWriter, env };
}

/** Every record's value appears once: returns how often each occurs, keyed by value. */
function occurrences(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

describe('scheduled publishing: the input source on a real broker', () => {
  it('writes the messages carried in the schedule input, to their topics', async () => {
    const topic = await createTopic(brokers);
    const audit = await createTopic(brokers, { partitions: 1 });
    const input = fixture('scheduler-input');
    input.messages[3].topic = audit;
    const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic, SCHEDULE_KEY: 'json:/id' };
    const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    const handler = createScheduledHandler({ env, warmWriter });

    const summary = await handler(input, lambdaContext() as never);
    await warmWriter.close();

    expect(summary).toEqual({ published: 4, objectsDone: 0, objectsFailed: 0, stoppedForTime: false });
    const records = await consumeWithKcat(brokers, topic, { count: 3 });
    const byKey = Object.fromEntries(records.map((r) => [r.key?.toString() ?? 'nil', r]));
    expect(byKey['report-2026-11-24']?.value?.toString()).toBe('{"report":"daily","date":"2026-11-24"}');
    // No key given: SCHEDULE_KEY=json:/id found it in the object value.
    expect(byKey['w-47']?.value?.toString()).toBe('{"report":"weekly","id":"w-47","totals":{"orders":1204}}');
    expect(byKey.heartbeat?.value?.toString()).toBe('tick');
    expect(byKey.heartbeat?.headerList.map(([n, v]) => [n, v?.toString()])).toEqual([
      ['content-type', 'text/plain'],
      ['x-origin', 'scheduler'],
      ['x-origin', 'bridge'],
    ]);
    const [auditRecord] = await consumeWithKcat(brokers, audit, { count: 1 });
    expect(auditRecord?.key).toBeNull();
    expect(auditRecord?.value?.toString()).toBe('{"event":"schedule-fired"}');
  });

  it('rejects a malformed input and writes none of its messages', async () => {
    const topic = await createTopic(brokers);
    const handler = createScheduledHandler({ env: { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic } });
    const input = { messages: [{ value: 'fine' }, { value: 'fine too' }, { key: 'k', vaule: 'typo' }] };

    const error = await handler(input, lambdaContext() as never).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidScheduleInputError);
    expect((error as InvalidScheduleInputError).problems).toEqual([
      'messages[2] has unknown field "vaule" (allowed: topic, key, value, headers)',
      'messages[2].value is required (a string, any other JSON value, or null for a tombstone)',
    ]);
    expect(await countRecords(brokers, topic)).toBe(0);
  });
});

describe('scheduled publishing: S3 NDJSON objects on moto and a real broker', () => {
  it('publishes an object too big for one invocation over several, each line exactly once', async () => {
    // Big enough for at least three 1.5 s invocations on a fast machine.
    const LINES = 60_000;
    const topic = await createTopic(brokers, { partitions: 6 });
    const lines = ndjsonLines(LINES, 'big');
    const body = `${lines.join('\n')}\n`;
    await putObject('big/orders.ndjson', body);
    const { handler, warmWriter } = s3Handler(brokers, topic, 'big/', {
      SCHEDULE_BATCH_SIZE: '250',
      SCHEDULE_CHUNK_BYTES: String(256 * 1024),
      SCHEDULE_STOP_MARGIN_MS: '150',
    });

    const summaries: ScheduledRunSummary[] = [];
    const leftAtReturnMs: number[] = [];
    const statusAfterFirst: Record<string, string>[] = [];
    for (let invocation = 0; invocation < 200; invocation++) {
      // 2 s left when invoked, 500 ms of it kept by KAFKA_DEADLINE_MARGIN_MS: a 1.5 s budget, room
      // for a batch on a loaded machine (a 500 ms one was not: a write outran the deadline).
      const context = lambdaContext(2000);
      const summary = await handler(cronEvent, context as never);
      leftAtReturnMs.push(context.getRemainingTimeInMillis());
      summaries.push(summary);
      if (invocation === 0) statusAfterFirst.push(await tagsOf('big/orders.ndjson'));
      if (summary.objectsDone === 1) break;
    }
    const after = await handler(cronEvent, lambdaContext(2000) as never);
    await warmWriter.close();

    console.log(
      `${LINES} lines in ${summaries.length} invocations: ${summaries.map((s) => s.published).join(' + ')}; ` +
        `least time left at return ${Math.min(...leftAtReturnMs)} ms`,
    );
    const [first, second] = summaries;
    expect(summaries.length).toBeGreaterThanOrEqual(3);
    // Every invocation returned inside its time (Lambda would have cut it off otherwise).
    expect(Math.min(...leftAtReturnMs)).toBeGreaterThan(0);
    expect(first?.stoppedForTime).toBe(true);
    expect(first?.published).toBeGreaterThan(0);
    expect(first?.objectsDone).toBe(0);
    // Not done after the first invocation: in progress, at the last acknowledged line.
    expect(statusAfterFirst[0]?.['kafka-bridge-status']).toBe('in-progress');
    expect(statusAfterFirst[0]?.['kafka-bridge-position']).toMatch(
      new RegExp(`^offset=\\d+ line=${first?.published} etag=`),
    );
    expect(second?.resumedFrom).toBe(`s3://${BUCKET}/big/orders.ndjson#L${(first?.published ?? 0) + 1}`);
    expect(summaries.slice(0, -1).every((s) => s.stoppedForTime && s.objectsDone === 0)).toBe(true);
    expect(summaries.reduce((sum, s) => sum + s.published, 0)).toBe(LINES);
    expect(warmWriter.writersCreated).toBe(1);

    const tags = await tagsOf('big/orders.ndjson');
    expect(tags['kafka-bridge-status']).toBe('done');
    expect(tags['kafka-bridge-position']).toMatch(
      new RegExp(`^offset=${Buffer.byteLength(body)} line=${LINES} `),
    );
    // A later invocation finds nothing to do.
    expect(after).toEqual({ published: 0, objectsDone: 0, objectsFailed: 0, stoppedForTime: false });

    // Read back by a peer client: exactly 20,000 records (kcat fails on more), each line once, byte for byte.
    const records = await consumeWithKcat(brokers, topic, { count: LINES, timeoutMs: 60_000 });
    const counts = occurrences(records.map((r) => r.value?.toString('utf8') ?? ''));
    expect(counts.size).toBe(LINES);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(lines.every((line) => counts.get(line) === 1)).toBe(true);
    for (const record of records.slice(0, 500)) {
      const line = JSON.parse(record.value?.toString('utf8') ?? '');
      expect(record.key?.toString()).toBe(line.id);
      expect(record.headers['ndjson-line']?.toString()).toBe(String(line.n));
      expect(record.headers['ndjson-source']?.toString()).toBe(`s3://${BUCKET}/big/orders.ndjson`);
    }
  });

  it('marks an object with a malformed line failed, keeps the lines before it, and later runs skip it', async () => {
    const topic = await createTopic(brokers);
    const good = ndjsonLines(3, 'a');
    await putObject(
      'mixed/a.ndjson',
      `${good.join('\n')}\n{"id":"a-00004",oops}\n${ndjsonLines(6, 'a')[5]}\n`,
    );
    await putObject('mixed/b.ndjson', `${ndjsonLines(4, 'b').join('\r\n')}\r\n`);
    const { handler, warmWriter } = s3Handler(brokers, topic, 'mixed/');

    const first = await handler(cronEvent, lambdaContext() as never);
    const second = await handler(cronEvent, lambdaContext() as never);
    await warmWriter.close();

    expect(first).toEqual({ published: 7, objectsDone: 1, objectsFailed: 1, stoppedForTime: false });
    expect(second).toEqual({ published: 0, objectsDone: 0, objectsFailed: 0, stoppedForTime: false });
    const failed = await tagsOf('mixed/a.ndjson');
    expect(failed['kafka-bridge-status']).toBe('failed');
    expect(failed['kafka-bridge-error']).toMatch(/^line 4 is not JSON/);
    expect(failed['kafka-bridge-position']).toMatch(
      new RegExp(`^offset=${Buffer.byteLength(`${good.join('\n')}\n`)} line=3 `),
    );
    expect((await tagsOf('mixed/b.ndjson'))['kafka-bridge-status']).toBe('done');
    const values = (await consumeWithKcat(brokers, topic, { count: 7 })).map((r) => r.value?.toString());
    expect(values.sort()).toEqual([...good, ...ndjsonLines(4, 'b')].sort());
  });

  it('ends batches at SCHEDULE_CHUNK_BYTES and collects dead Buffers between batches', async () => {
    const topic = await createTopic(brokers);
    const lines = ndjsonLines(120, 'chunked');
    const body = `${lines.join('\n')}\n`;
    await putObject('chunked/data.ndjson', body);
    const chunkBytes = 1024;
    const { handler, warmWriter } = s3Handler(brokers, topic, 'chunked/', {
      SCHEDULE_BATCH_SIZE: '500',
      SCHEDULE_CHUNK_BYTES: String(chunkBytes),
    });
    const writes: number[] = [];
    const write = warmWriter.write.bind(warmWriter);
    warmWriter.write = async (messages, ...rest) => {
      writes.push(messages.length);
      return write(messages, ...rest);
    };
    // Lambda's runtime exposes gc (--expose-gc); this test process does not, so a spy stands in.
    const collections: unknown[] = [];
    const global = globalThis as { gc?: unknown };
    const original = global.gc;
    global.gc = (options: unknown) => collections.push(options);
    let summary: ScheduledRunSummary;
    try {
      summary = await handler(cronEvent, lambdaContext(30_000) as never);
    } finally {
      global.gc = original;
      await warmWriter.close();
    }

    expect(summary).toEqual({ published: 120, objectsDone: 1, objectsFailed: 0, stoppedForTime: false });
    // At most one read's bytes of lines per batch, not SCHEDULE_BATCH_SIZE lines.
    const lineBytes = Buffer.byteLength(`${lines[0]}\n`);
    expect(Math.max(...writes)).toBeLessThanOrEqual(Math.ceil(chunkBytes / lineBytes));
    expect(writes.reduce((a, b) => a + b, 0)).toBe(120);
    // This process holds far more than two 1 KiB reads in Buffers: a collection before every GET,
    // before every batch and after every batch but the last.
    const gets = Math.ceil(Buffer.byteLength(body) / chunkBytes);
    expect(collections).toHaveLength(gets + 2 * writes.length - 1);
    expect(collections[0]).toEqual({ type: 'major', execution: 'sync' });
    const values = (await consumeWithKcat(brokers, topic, { count: 120 })).map((r) => r.value?.toString());
    expect(values.sort()).toEqual([...lines].sort());
  });

  it('publishes each line once when two runs over one object overlap (the run lease is atomic)', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const lines = ndjsonLines(3000, 'overlap');
    await putObject('overlap/data.ndjson', `${lines.join('\n')}\n`);
    // Two Lambda containers (each its own Writer) invoked at once, as Scheduler's next run and an
    // asynchronous retry of the previous one can be without reserved concurrency.
    const first = s3Handler(brokers, topic, 'overlap/', { SCHEDULE_BATCH_SIZE: '100' });
    const second = s3Handler(brokers, topic, 'overlap/', { SCHEDULE_BATCH_SIZE: '100' });

    const results = await Promise.allSettled([
      first.handler(cronEvent, lambdaContext(30_000) as never),
      second.handler(cronEvent, lambdaContext(30_000) as never),
    ]);
    await Promise.all([first.warmWriter.close(), second.warmWriter.close()]);

    // Read back by a peer client, all of it: each line exactly once.
    const records = await consumeWithKcat(brokers, topic, { count: 3000, atLeast: true });
    const counts = occurrences(records.map((r) => r.value?.toString('utf8') ?? ''));
    expect([...counts.values()].filter((n) => n > 1).length, 'lines published twice').toBe(0);
    expect(records.length).toBe(3000);
    expect(lines.every((line) => counts.get(line) === 1)).toBe(true);
    // Neither run fails: the one without the lease does nothing and returns.
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const summaries = results.map((r) => (r as PromiseFulfilledResult<ScheduledRunSummary>).value);
    expect(summaries.map((s) => s.published).sort((a, b) => a - b)).toEqual([0, 3000]);
    expect((await tagsOf('overlap/data.ndjson'))['kafka-bridge-status']).toBe('done');
  });
});

describe('scheduled publishing through a broker outage', () => {
  const cluster = useDedicatedCluster({ name: 'scheduled-outage', nodeCount: 1, basePort: 25092 });

  it('throws when the broker goes down mid-object, keeps what was acknowledged, and the next run resumes', async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 3, replicationFactor: 1 });
    const lines = ndjsonLines(5000, 'outage');
    await putObject('outage/data.ndjson', `${lines.join('\n')}\n`);
    const env = {
      KAFKA_BROKERS: kafka.brokers.join(','),
      KAFKA_TOPIC: topic,
      SCHEDULE_SOURCE: `s3://${BUCKET}/outage/`,
      SCHEDULE_BATCH_SIZE: '500',
      KAFKA_MAX_ATTEMPTS: '3',
      KAFKA_CONNECT_TIMEOUT_MS: '1000',
    };
    // The broker stops right before the fourth batch is written: three were acknowledged.
    let writes = 0;
    class StopsBrokerBeforeFourthWrite extends WarmWriter {
      override async write(
        messages: readonly Message[],
        context: InvocationContext,
      ): Promise<RecordMetadata[]> {
        if (++writes === 4) await kafka.stopNode(1);
        return super.write(messages, context);
      }
    }
    const warmWriter = new StopsBrokerBeforeFourthWrite({ config: readKafkaConfig(env).config });
    const handler = createScheduledHandler({ env, warmWriter });

    const failure = await handler(cronEvent, lambdaContext(30_000) as never).catch((e: unknown) => e);
    const tagsWhileDown = await tagsOf('outage/data.ndjson');
    await kafka.startNode(1);
    const resumed = await handler(cronEvent, lambdaContext(30_000) as never);
    await warmWriter.close();

    expect(failure).toBeInstanceOf(WriteErrors);
    expect(tagsWhileDown['kafka-bridge-status']).toBe('in-progress');
    expect(tagsWhileDown['kafka-bridge-position']).toMatch(/^offset=\d+ line=1500 /);
    expect(resumed).toEqual({
      published: 3500,
      objectsDone: 1,
      objectsFailed: 0,
      resumedFrom: `s3://${BUCKET}/outage/data.ndjson#L1501`,
      stoppedForTime: false,
    });
    expect((await tagsOf('outage/data.ndjson'))['kafka-bridge-status']).toBe('done');
    const counts = occurrences(
      (await consumeWithKcat(kafka.brokers, topic, { count: 5000 })).map((r) => r.value?.toString() ?? ''),
    );
    expect(lines.every((line) => counts.get(line) === 1)).toBe(true);
  });
});
