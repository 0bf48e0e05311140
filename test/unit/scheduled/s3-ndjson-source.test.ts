import { describe, expect, it } from 'vitest';
import type { BatchSource } from '../../../lib/lambda/scheduled/batch-source.ts';
import { ConcurrentRunError } from '../../../lib/lambda/scheduled/errors.ts';
import { LEASE_CLOCK_SKEW_MS } from '../../../lib/lambda/scheduled/run-lease.ts';
import {
  S3NdjsonSource,
  type S3NdjsonSourceOptions,
} from '../../../lib/lambda/scheduled/s3-ndjson-source.ts';
import type { Message } from '../../../lib/writer/message.ts';
import { MemoryS3 } from './memory-s3.ts';

interface Logged {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

function sourceOn(s3: MemoryS3, options: Partial<S3NdjsonSourceOptions> = {}, logs: Logged[] = []) {
  const log = (level: Logged['level']) => (message: string, fields?: Record<string, unknown>) => {
    logs.push({ level, message, fields });
  };
  return new S3NdjsonSource({
    bucket: s3.bucket,
    prefix: 'in/',
    topic: 'lines',
    batchSize: 3,
    chunkBytes: 16,
    maxLineBytes: 1000,
    s3,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    ...options,
  });
}

/** Runs a source like the handler does: every batch "written", then committed. */
async function drain(source: BatchSource, options: { stopAfterBatches?: number; signal?: AbortSignal } = {}) {
  const written: Message[] = [];
  let batches = 0;
  for await (const batch of source.batches(options.signal ?? new AbortController().signal)) {
    written.push(...batch.messages);
    await batch.commit();
    batches++;
    if (batches === options.stopAfterBatches) break;
  }
  return { written, values: written.map((m) => String(m.value)), batches };
}

const ndjson = (ids: number[], lineBreak = '\n') =>
  ids.map((id) => `{"id":${id},"name":"zürich-${id}"}${lineBreak}`).join('');
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('S3NdjsonSource', () => {
  it('publishes every non-blank line of every object, in key order, value bytes as they are', async () => {
    const s3 = new MemoryS3();
    s3.put('in/b.ndjson', '{"id":"b1"}\r\n\r\n{ "id" : "b2" }\r\n');
    s3.put('in/a.ndjson', '\uFEFF{"id":"a1"}\n\n   \n{"id":"a2","city":"東京🦀"}\n{"id":"a3"}');
    s3.put('other/c.ndjson', '{"id":"c1"}\n');
    s3.put('in/folder/', '');
    const source = sourceOn(s3, { keyPointer: { pointer: '/id', tokens: ['id'] } });

    const { written } = await drain(source);

    expect(written.map((m) => [m.key, String(m.value), m.headers])).toEqual([
      ['a1', '{"id":"a1"}', { 'ndjson-source': 's3://data/in/a.ndjson', 'ndjson-line': '1' }],
      ['a2', '{"id":"a2","city":"東京🦀"}', { 'ndjson-source': 's3://data/in/a.ndjson', 'ndjson-line': '4' }],
      ['a3', '{"id":"a3"}', { 'ndjson-source': 's3://data/in/a.ndjson', 'ndjson-line': '5' }],
      ['b1', '{"id":"b1"}', { 'ndjson-source': 's3://data/in/b.ndjson', 'ndjson-line': '1' }],
      ['b2', '{ "id" : "b2" }', { 'ndjson-source': 's3://data/in/b.ndjson', 'ndjson-line': '3' }],
    ]);
    expect(written.every((m) => m.topic === 'lines')).toBe(true);
    expect(s3.tags('in/a.ndjson')['kafka-bridge-status']).toBe('done');
    expect(s3.tags('in/b.ndjson')['kafka-bridge-status']).toBe('done');
    expect(s3.tags('in/folder/')).toEqual({});
    expect(source.report()).toEqual({ objectsDone: 2, objectsFailed: 0 });
  });

  it('keys lines by the source text of a 64-bit number, not its rounded double', async () => {
    const s3 = new MemoryS3();
    s3.put('in/ids.ndjson', '{"id":820982911946154508}\n{"id":820982911946154511}\n{"id": 1.50 }\n');
    const source = sourceOn(s3, { keyPointer: { pointer: '/id', tokens: ['id'] } });

    const { written } = await drain(source);

    expect(written.map((m) => m.key)).toEqual(['820982911946154508', '820982911946154511', '1.50']);
  });

  it.each([
    [1, 16],
    [3, 16],
    [3, 1024],
    [7, 5],
    [10, 33],
    [50, 1],
  ])(
    'with batches of %i lines and ranged GETs of %i bytes, stopping after every batch still publishes each line once',
    async (batchSize, chunkBytes) => {
      const s3 = new MemoryS3();
      s3.put('in/big.ndjson', ndjson(range(1, 40), '\r\n'));
      const values: string[] = [];
      let runs = 0;
      while (s3.tags('in/big.ndjson')['kafka-bridge-status'] !== 'done') {
        // A fresh source per invocation, as the handler builds one per event.
        const run = await drain(sourceOn(s3, { batchSize, chunkBytes }), { stopAfterBatches: 1 });
        values.push(...run.values);
        runs++;
        expect(runs).toBeLessThan(100);
      }
      expect(values.map((v) => JSON.parse(v).id)).toEqual(range(1, 40));
      // The last batch's commit marks the object done: no extra run for the mark.
      expect(runs).toBe(Math.ceil(40 / batchSize));
    },
  );

  it('ends a batch at batchBytes of lines before batchSize lines, and resumes after each such batch', async () => {
    // Lines of exactly 20 bytes with their line break: a batch is full at 3 lines (60 >= 50 bytes).
    const line = (id: number) => `${`{"id":${id},"p":"`.padEnd(17, 'x')}"}\n`;
    const s3 = new MemoryS3();
    s3.put('in/long.ndjson', range(1, 10).map(line).join(''));
    expect(line(1)).toHaveLength(20);
    const sizes: number[] = [];
    const values: string[] = [];
    for await (const batch of sourceOn(s3, { batchSize: 100, batchBytes: 50, chunkBytes: 64 }).batches(
      new AbortController().signal,
    )) {
      sizes.push(batch.messages.length);
      values.push(...batch.messages.map((m) => String(m.value)));
      await batch.commit();
    }
    expect(sizes).toEqual([3, 3, 3, 1]);
    expect(values.map((v) => JSON.parse(v).id)).toEqual(range(1, 10));
    expect(s3.tags('in/long.ndjson')['kafka-bridge-status']).toBe('done');

    // One batch per run: each run resumes after the bytes-capped batch before it.
    s3.put('in/long.ndjson', range(11, 20).map(line).join(''));
    const resumed: number[] = [];
    for (let runs = 0; s3.tags('in/long.ndjson')['kafka-bridge-status'] !== 'done'; runs++) {
      expect(runs).toBeLessThan(10);
      const run = await drain(sourceOn(s3, { batchSize: 100, batchBytes: 50, chunkBytes: 64 }), {
        stopAfterBatches: 1,
      });
      resumed.push(run.values.length);
      expect(run.values.map((v) => JSON.parse(v).id)).toEqual(
        range(11 + resumed.slice(0, -1).reduce((a, b) => a + b, 0), 10 + resumed.reduce((a, b) => a + b, 0)),
      );
    }
    expect(resumed).toEqual([3, 3, 3, 1]);
  });

  it('calls releaseBuffers before every ranged GET, before every batch and after its acknowledgement, never with one in flight', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', ndjson(range(1, 12)));
    const events: string[] = [];
    let inFlight = false;
    const source = sourceOn(s3, {
      chunkBytes: 64,
      releaseBuffers: () => {
        expect(inFlight, 'releaseBuffers ran while a batch was being written').toBe(false);
        events.push(`release (reads so far: ${s3.calls.getRange})`);
      },
    });
    for await (const batch of source.batches(new AbortController().signal)) {
      inFlight = true;
      events.push(`batch of ${batch.messages.length}`);
      await batch.commit();
      inFlight = false;
    }
    const releases = events.filter((e) => e.startsWith('release'));
    const batches = events.filter((e) => e.startsWith('batch'));
    expect(batches).toEqual(['batch of 3', 'batch of 3', 'batch of 3', 'batch of 3']);
    // One before each GET, one before each batch, one after each batch but the final one (the
    // source is done then).
    expect(releases).toHaveLength(s3.calls.getRange + 2 * batches.length - 1);
    for (let n = 0; n < s3.calls.getRange; n++) expect(releases).toContain(`release (reads so far: ${n})`);
    for (const [i, event] of events.entries()) {
      if (!event.startsWith('batch')) continue;
      expect(events[i - 1]).toMatch(/^release/);
      if (i < events.length - 1) expect(events[i + 1]).toMatch(/^release/);
    }
  });

  it('reads on from where a ranged GET broke off, each line once; a GET that breaks off at once fails the run', async () => {
    const body = ndjson(range(1, 40));
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', body);
    // Every GET of 256 bytes breaks off after 100 of them: lines are cut at the break.
    s3.breakBodyAfter = () => 100;
    const logs: Logged[] = [];
    const run = await drain(sourceOn(s3, { chunkBytes: 256 }, logs));
    expect(run.values.map((v) => JSON.parse(v).id)).toEqual(range(1, 40));
    expect(s3.tags('in/a.ndjson')['kafka-bridge-status']).toBe('done');
    expect(s3.calls.getRange).toBe(Math.ceil(Buffer.byteLength(body) / 105));
    expect(logs.filter((l) => l.message.startsWith('an S3 read broke off')).length).toBe(
      s3.calls.getRange - 1,
    );

    s3.put('in/b.ndjson', ndjson(range(41, 50)));
    s3.breakBodyAfter = (key, start) => (key === 'in/b.ndjson' && start > 0 ? 0 : undefined);
    const written: unknown[] = [];
    const failing = (async () => {
      const source = sourceOn(s3, { chunkBytes: 64, batchSize: 1 });
      for await (const batch of source.batches(new AbortController().signal)) {
        written.push(...batch.messages.map((m) => JSON.parse(String(m.value)).id));
        await batch.commit();
      }
    })();
    await expect(failing).rejects.toMatchObject({
      name: 'S3SourceError',
      message: expect.stringMatching(/^reading s3:\/\/data\/in\/b.ndjson failed/),
    });
    // What was acknowledged before the failed GET is saved: the next run starts after it.
    const saved = s3.tags('in/b.ndjson')['kafka-bridge-position'];
    expect(written).toEqual([41, 42]);
    expect(saved).toMatch(/^offset=\d+ line=2 /);
    s3.breakBodyAfter = undefined;
    const next = await drain(sourceOn(s3, { chunkBytes: 64 }));
    expect([...written, ...next.values.map((v) => JSON.parse(v).id)]).toEqual(range(41, 50));
  });

  it('fails the run, instead of asking again forever, when a ranged GET answers with no bytes', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', ndjson(range(1, 10)));
    const getRange = s3.getRange.bind(s3);
    s3.getRange = async (bucket, key, etag, start, endInclusive) => {
      const body = await getRange(bucket, key, etag, start, endInclusive);
      return start > 0 ? (async function* () {})() : body;
    };
    const written: number[] = [];
    const failing = (async () => {
      const source = sourceOn(s3, { chunkBytes: 64, batchSize: 1 });
      for await (const batch of source.batches(new AbortController().signal)) {
        written.push(...batch.messages.map((m) => JSON.parse(String(m.value)).id));
        await batch.commit();
      }
    })();
    await expect(failing).rejects.toMatchObject({
      name: 'S3SourceError',
      message: 'reading s3://data/in/a.ndjson at byte 64 returned nothing',
    });
    expect(s3.calls.getRange).toBe(2);
    expect(written).toEqual([1, 2]);
  });

  it('closes a body it stops reading: a malformed line, or a run that stops after a batch', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', `${ndjson(range(1, 2))}{oops}\n${ndjson(range(4, 30))}`);
    await drain(sourceOn(s3, { chunkBytes: 1024 }));
    expect(s3.tags('in/a.ndjson')['kafka-bridge-status']).toBe('failed');
    expect(s3.closedEarly).toBe(1);

    s3.put('in/a.ndjson', ndjson(range(1, 30)));
    await drain(sourceOn(s3, { chunkBytes: 1024 }), { stopAfterBatches: 1 });
    expect(s3.closedEarly).toBe(2);
  });

  it('saves the position after each batch and tags the object done only with its last line', async () => {
    const s3 = new MemoryS3();
    const body = ndjson(range(1, 7));
    s3.put('in/a.ndjson', body);

    const first = sourceOn(s3);
    const { values } = await drain(first, { stopAfterBatches: 2 });

    expect(values.map((v) => JSON.parse(v).id)).toEqual(range(1, 6));
    const lineEnd = (n: number) => Buffer.byteLength(ndjson(range(1, n)));
    const etag = s3.objects.get('in/a.ndjson')?.etag.replace(/"/g, '');
    expect(s3.tags('in/a.ndjson')).toEqual({
      'kafka-bridge-status': 'in-progress',
      'kafka-bridge-position': `offset=${lineEnd(6)} line=6 etag=${etag}`,
    });
    expect(first.report()).toEqual({ objectsDone: 0, objectsFailed: 0 });

    const second = sourceOn(s3);
    expect((await drain(second)).values.map((v) => JSON.parse(v).id)).toEqual([7]);
    expect(second.report()).toEqual({
      objectsDone: 1,
      objectsFailed: 0,
      resumedFrom: 's3://data/in/a.ndjson#L7',
    });
    const statuses = (s3.tagHistory.get('in/a.ndjson') ?? []).map(
      (set) => set.find((t) => t.Key === 'kafka-bridge-status')?.Value,
    );
    expect(statuses).toEqual(['in-progress', 'in-progress', 'done']);
    expect(s3.tags('in/a.ndjson')['kafka-bridge-position']).toBe(
      `offset=${Buffer.byteLength(body)} line=7 etag=${etag}`,
    );
  });

  it('reads only from the saved position on: no byte before it is fetched again', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', ndjson(range(1, 9)));
    await drain(sourceOn(s3, { chunkBytes: 1024 }), { stopAfterBatches: 2 });
    const starts: number[] = [];
    s3.beforeGetRange = (_, start) => starts.push(start);

    await drain(sourceOn(s3, { chunkBytes: 1024 }));

    expect(starts).toEqual([Buffer.byteLength(ndjson(range(1, 6)))]);
  });

  it('marks an object failed at a malformed line after publishing the lines before it, and goes on', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', `${ndjson([1, 2])}\n{"id":3,"oops"}\n${ndjson([4])}`);
    s3.put('in/b.ndjson', ndjson([10, 11]));
    const logs: Logged[] = [];
    const source = sourceOn(s3, { batchSize: 10 }, logs);

    const { values } = await drain(source);

    expect(values.map((v) => JSON.parse(v).id)).toEqual([1, 2, 10, 11]);
    const etag = s3.objects.get('in/a.ndjson')?.etag.replace(/"/g, '');
    expect(s3.tags('in/a.ndjson')).toEqual({
      'kafka-bridge-status': 'failed',
      'kafka-bridge-position': `offset=${Buffer.byteLength(`${ndjson([1, 2])}\n`)} line=3 etag=${etag}`,
      'kafka-bridge-error': 'line 4 is not JSON at character 15',
    });
    expect(s3.tags('in/b.ndjson')['kafka-bridge-status']).toBe('done');
    expect(source.report()).toEqual({ objectsDone: 1, objectsFailed: 1 });
    expect(logs.find((l) => l.level === 'error')).toMatchObject({
      message: expect.stringContaining('marked failed'),
      fields: { object: 's3://data/in/a.ndjson', line: 4, reason: 'line 4 is not JSON (at character 15)' },
    });
  });

  it('skips a failed object in later runs until an operator clears the mark', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', `${ndjson([1])}not json\n${ndjson([3])}`);
    await drain(sourceOn(s3));
    const reads = s3.calls.getRange;
    const logs: Logged[] = [];

    const later = await drain(sourceOn(s3, {}, logs));

    expect(later.values).toEqual([]);
    expect(s3.calls.getRange).toBe(reads);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({ error: 'line 2 is not JSON' }),
      }),
    );

    // The operator deletes the status tag: the run retries from the bad line, and fails again.
    const object = s3.objects.get('in/a.ndjson');
    if (object) object.tags = object.tags.filter((t) => t.Key !== 'kafka-bridge-status');
    expect((await drain(sourceOn(s3))).values).toEqual([]);
    expect(s3.tags('in/a.ndjson')['kafka-bridge-status']).toBe('failed');

    // The operator re-uploads a fixed object: S3 drops its tags, and it is read from line 1.
    s3.put('in/a.ndjson', ndjson([1, 2, 3]));
    expect((await drain(sourceOn(s3))).values.map((v) => JSON.parse(v).id)).toEqual([1, 2, 3]);
    expect(s3.tags('in/a.ndjson')['kafka-bridge-status']).toBe('done');
  });

  it('marks a line longer than the limit failed without reading on', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', `${ndjson([1])}{"big":"${'x'.repeat(500)}"}\n${ndjson([3])}`);

    const { values } = await drain(sourceOn(s3, { maxLineBytes: 100, chunkBytes: 16 }));

    expect(values.map((v) => JSON.parse(v).id)).toEqual([1]);
    expect(s3.tags('in/a.ndjson')['kafka-bridge-error']).toBe('line 2 is longer than 100 bytes');
    expect(s3.calls.getRange).toBeLessThan(12); // stopped soon after passing the limit
  });

  it('saves the position after the acknowledged messages when a batch was written only in part', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', ndjson(range(1, 5)));
    const source = sourceOn(s3, { batchSize: 5 });
    for await (const batch of source.batches(new AbortController().signal)) {
      await batch.commit(2);
      break;
    }
    const again = await drain(sourceOn(s3, { batchSize: 5 }));
    expect(again.values.map((v) => JSON.parse(v).id)).toEqual([3, 4, 5]);
  });

  it('marks the object failed at a message the handler rejects, and moves to the next object', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', ndjson(range(1, 5)));
    s3.put('in/b.ndjson', ndjson([9]));
    const source = sourceOn(s3, { batchSize: 5 });
    const seen: number[][] = [];
    for await (const batch of source.batches(new AbortController().signal)) {
      seen.push(batch.messages.map((m) => JSON.parse(String(m.value)).id));
      if (seen.length === 1) {
        await batch.commit(2);
        await batch.reject?.(2, new Error('message of 2000000 bytes is larger than batchBytes'));
      } else {
        await batch.commit();
      }
    }
    expect(seen).toEqual([range(1, 5), [9]]);
    expect(s3.tags('in/a.ndjson')['kafka-bridge-status']).toBe('failed');
    expect(s3.tags('in/a.ndjson')['kafka-bridge-error']).toBe(
      'line 3 cannot be written to Kafka: message of 2000000 bytes is larger than batchBytes',
    );
    expect(s3.tags('in/a.ndjson')['kafka-bridge-position']).toMatch(/^offset=\d+ line=2 /);
    expect(source.report()).toEqual({ objectsDone: 1, objectsFailed: 1 });
  });

  it('drops an object that changes while it is read; the next run reads the new content from the start', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', ndjson(range(1, 6)));
    s3.put('in/b.ndjson', ndjson([9]));
    const logs: Logged[] = [];
    let replaced = false;
    s3.beforeGetRange = (key, start) => {
      if (key === 'in/a.ndjson' && start > 40 && !replaced) {
        replaced = true;
        s3.put('in/a.ndjson', ndjson(range(101, 102)));
      }
    };

    const first = await drain(sourceOn(s3, { batchSize: 1 }, logs));
    const second = await drain(sourceOn(s3, { batchSize: 1 }));

    expect(first.values.map((v) => JSON.parse(v).id).at(-1)).toBe(9);
    expect(logs.some((l) => l.message.includes('changed while it was read'))).toBe(true);
    expect(second.values.map((v) => JSON.parse(v).id)).toEqual([101, 102]);
  });

  it('reads an object from the start when its saved position belongs to other content', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', ndjson([1, 2]), [
      { Key: 'kafka-bridge-status', Value: 'done' },
      { Key: 'kafka-bridge-position', Value: 'offset=40 line=2 etag=00ff' },
    ]);
    const logs: Logged[] = [];
    expect((await drain(sourceOn(s3, {}, logs))).values.map((v) => JSON.parse(v).id)).toEqual([1, 2]);
    expect(
      logs.some((l) => l.level === 'warn' && l.message.includes('changed since its progress was saved')),
    ).toBe(true);
  });

  it('marks an object done without reading it when every line was acknowledged before', async () => {
    const s3 = new MemoryS3();
    const body = ndjson([1, 2, 3]);
    s3.put('in/a.ndjson', body);
    const etag = s3.objects.get('in/a.ndjson')?.etag.replace(/"/g, '');
    (s3.objects.get('in/a.ndjson') as { tags: { Key: string; Value: string }[] }).tags = [
      { Key: 'kafka-bridge-status', Value: 'in-progress' },
      { Key: 'kafka-bridge-position', Value: `offset=${Buffer.byteLength(body)} line=3 etag=${etag}` },
    ];
    const source = sourceOn(s3);
    expect((await drain(source)).values).toEqual([]);
    expect(s3.calls.getRange).toBe(0);
    expect(s3.tags('in/a.ndjson')['kafka-bridge-status']).toBe('done');
    expect(source.report().objectsDone).toBe(1);
  });

  it('marks empty objects and objects of blank lines done', async () => {
    const s3 = new MemoryS3();
    s3.put('in/empty.ndjson', '');
    s3.put('in/blank.ndjson', '\n\r\n  \n');
    const source = sourceOn(s3);
    expect((await drain(source)).values).toEqual([]);
    expect(s3.tags('in/empty.ndjson')['kafka-bridge-status']).toBe('done');
    expect(s3.tags('in/blank.ndjson')['kafka-bridge-position']).toMatch(/^offset=6 line=3 /);
    expect(source.report().objectsDone).toBe(2);
  });

  it('keeps the object own tags, and skips an object with too many of them to hold the progress', async () => {
    const s3 = new MemoryS3();
    const own = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `t${i}`, Value: `v${i}` }));
    s3.put('in/a.ndjson', ndjson([1]), own(7));
    s3.put('in/b.ndjson', ndjson([2]), own(8));
    const logs: Logged[] = [];
    expect((await drain(sourceOn(s3, {}, logs))).values.map((v) => JSON.parse(v).id)).toEqual([1]);
    expect(Object.keys(s3.tags('in/a.ndjson'))).toEqual([
      ...own(7).map((t) => t.Key),
      'kafka-bridge-status',
      'kafka-bridge-position',
    ]);
    expect(s3.tags('in/b.ndjson')).toEqual(Object.fromEntries(own(8).map((t) => [t.Key, t.Value])));
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ object: 's3://data/in/b.ndjson' }),
      }),
    );
  });

  it('publishes nothing while another run holds the lease, which is given back when that run ends', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', ndjson(range(1, 6)));
    const logs: Logged[] = [];
    const iterator = sourceOn(s3).batches(new AbortController().signal)[Symbol.asyncIterator]();
    const first = await iterator.next();
    await first.value?.commit();

    // A second invocation overlaps the first one.
    const other = await drain(sourceOn(s3, {}, logs));
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      await next.value.commit();

    expect(other.values).toEqual([]);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'another run holds the lease of this source; this run publishes nothing',
        fields: expect.objectContaining({ lease: 's3://data/in.kafka-bridge-lease' }),
      }),
    );
    expect(s3.tags('in/a.ndjson')['kafka-bridge-status']).toBe('done');
    expect(JSON.parse(s3.objects.get('in.kafka-bridge-lease')?.body.toString() ?? '')).toMatchObject({
      released: true,
    });
  });

  it('takes over the lease of a run that crashed only once its invocation time (plus clock skew) is over', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', ndjson(range(1, 6)));
    let now = Date.parse('2026-11-24T10:00:00Z');
    const clock = { now: () => now };
    const deadlineMs = now + 60_000;
    const crashed = sourceOn(s3, clock).batches(new AbortController().signal, { deadlineMs });
    const first = await crashed[Symbol.asyncIterator]().next();
    await first.value?.commit();
    // The crashed run's iterator is never resumed nor returned: its lease is never given back.

    now = deadlineMs + LEASE_CLOCK_SKEW_MS - 1;
    const early = await drain(sourceOn(s3, clock));
    now = deadlineMs + LEASE_CLOCK_SKEW_MS;
    const late = await drain(sourceOn(s3, clock));

    expect(early.values).toEqual([]);
    expect(late.values.map((v) => JSON.parse(v).id)).toEqual([4, 5, 6]);
    expect(s3.tags('in/a.ndjson')['kafka-bridge-status']).toBe('done');
  });

  it('sets the lease to expire when the invocation ends', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', ndjson(range(1, 6)));
    const deadlineMs = Date.parse('2026-11-24T10:05:00Z');
    const iterator = sourceOn(s3)
      .batches(new AbortController().signal, { deadlineMs })
      [Symbol.asyncIterator]();
    await iterator.next();

    const lease = JSON.parse(s3.objects.get('in.kafka-bridge-lease')?.body.toString() ?? '');
    expect(lease).toMatchObject({ expiresAt: '2026-11-24T10:05:00.000Z', released: false });
    await iterator.return?.(undefined);
  });

  it('never reads the lease object as data, when the lease lies under the prefix', async () => {
    const s3 = new MemoryS3();
    s3.put('a.ndjson', ndjson([1]));
    const { values } = await drain(sourceOn(s3, { prefix: '' }));
    const again = await drain(sourceOn(s3, { prefix: '' }));

    expect(s3.objects.has('.kafka-bridge-lease')).toBe(true);
    expect(values.map((v) => JSON.parse(v).id)).toEqual([1]);
    expect(again.values).toEqual([]);
  });

  it('stops when another run moved the saved position of its object (a lease under another key)', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', ndjson(range(1, 6)));
    const source = sourceOn(s3);
    const iterator = source.batches(new AbortController().signal)[Symbol.asyncIterator]();
    const first = await iterator.next();
    await first.value?.commit();
    // A misconfigured invocation, with a lease of its own, publishes the next batch meanwhile.
    const other = await drain(sourceOn(s3, { leaseKey: 'elsewhere' }), { stopAfterBatches: 1 });
    expect(other.values.map((v) => JSON.parse(v).id)).toEqual([4, 5, 6]);

    const second = await iterator.next();
    await expect(second.value?.commit()).rejects.toBeInstanceOf(ConcurrentRunError);
  });

  it('starts at most maxObjects objects per run, and pages through long listings', async () => {
    const s3 = new MemoryS3('data', 2);
    for (const name of ['a', 'b', 'c', 'd', 'e']) s3.put(`in/${name}.ndjson`, `{"o":"${name}"}\n`);
    const runs: string[][] = [];
    for (let i = 0; i < 3; i++) {
      runs.push((await drain(sourceOn(s3, { maxObjects: 2 }))).values.map((v) => JSON.parse(v).o));
    }
    expect(runs).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('ends its iteration, saving nothing more, once the stop signal fires', async () => {
    const s3 = new MemoryS3();
    s3.put('in/a.ndjson', ndjson(range(1, 9)));
    const stop = new AbortController();
    const source = sourceOn(s3);
    const values: string[] = [];
    for await (const batch of source.batches(stop.signal)) {
      values.push(...batch.messages.map((m) => String(m.value)));
      await batch.commit();
      stop.abort();
    }
    expect(values).toHaveLength(3);
    expect(s3.tags('in/a.ndjson')['kafka-bridge-position']).toMatch(/ line=3 /);
  });
});
