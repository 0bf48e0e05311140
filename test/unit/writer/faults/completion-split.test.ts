import { describe, expect, it, onTestFinished } from 'vitest';
import { FlushError, FlushTimeoutError, type Message, WriteErrors } from '../../../../lib/index.ts';
import { ERROR_CODES } from '../../../support/fake-broker/index.ts';
import { fakeCluster, fakeWriter } from '../../../support/fake-writer.ts';
import { gate } from '../../../support/gate.ts';

const MESSAGE_TOO_LARGE = 10;

/** Every completion call, as (message values, error name or 'ok'). */
function completions() {
  const calls: Array<{ values: string[]; outcome: string }> = [];
  const completion = (messages: Message[], error?: Error) =>
    calls.push({ values: messages.map((m) => String(m.value)), outcome: error ? error.name : 'ok' });
  return { calls, completion };
}

/** Each message's outcomes across all completion calls: exactly one each is the contract. */
function outcomesPerMessage(calls: ReturnType<typeof completions>['calls']): Map<string, string[]> {
  const per = new Map<string, string[]>();
  for (const { values, outcome } of calls)
    for (const v of values) per.set(v, [...(per.get(v) ?? []), outcome]);
  return per;
}

describe('completion when the broker refuses a batch as too large (fake broker)', () => {
  it('sync: each message is reported once, with its own outcome, after the split settles', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    // Only the two-message batch is "too large": its halves are each written.
    fake.onProduce(({ count }) => (count > 1 ? { rejectWith: MESSAGE_TOO_LARGE } : undefined));
    const { calls, completion } = completions();
    const writer = fakeWriter(fake, { topic: 'events', maxAttempts: 1, completion });

    await writer.writeMessages([
      { key: '0', value: 'a' },
      { key: '0', value: 'b' },
    ]);

    expect(outcomesPerMessage(calls)).toEqual(
      new Map([
        ['a', ['ok']],
        ['b', ['ok']],
      ]),
    );
    expect(writer.stats().errors).toBe(0);
  });

  it('async: the half held back after the first half failed is reported too, once', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    fake.onProduce(({ count }) =>
      count > 1 ? { rejectWith: MESSAGE_TOO_LARGE } : { rejectWith: ERROR_CODES.NOT_ENOUGH_REPLICAS },
    );
    const { calls, completion } = completions();
    const writer = fakeWriter(fake, {
      topic: 'events',
      async: true,
      batchTimeoutMs: 600_000,
      maxAttempts: 1,
      completion,
    });

    await writer.writeMessages([
      { key: '0', value: 'a' },
      { key: '0', value: 'b' },
    ]);
    await expect(writer.flush()).rejects.toBeInstanceOf(FlushError);

    const per = outcomesPerMessage(calls);
    expect([...per.keys()].sort()).toEqual(['a', 'b']);
    expect(per.get('a')).toHaveLength(1);
    expect(per.get('b')).toHaveLength(1);
    expect(per.get('a')?.[0]).not.toBe('ok');
    expect(per.get('b')?.[0]).not.toBe('ok');
  });

  it('sync: a message refused alone fails once; its neighbour is written and reported once', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    fake.onProduce(({ records }) =>
      (records ?? []).some((r) => r.value?.toString() === 'huge')
        ? { rejectWith: MESSAGE_TOO_LARGE }
        : undefined,
    );
    const { calls, completion } = completions();
    const writer = fakeWriter(fake, { topic: 'events', maxAttempts: 1, completion });

    const failure = await writer
      .writeMessages([
        { key: '0', value: 'small' },
        { key: '0', value: 'huge' },
      ])
      .catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(WriteErrors);
    const per = outcomesPerMessage(calls);
    expect(per.get('small')).toEqual(['ok']);
    expect(per.get('huge')).toHaveLength(1);
    expect(per.get('huge')?.[0]).not.toBe('ok');
    expect(writer.stats().errors).toBe(1);
  });

  it('sync: a later batch of the partition, held back after a failure, is reported once too', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    fake.onProduce(() => ({ rejectWith: ERROR_CODES.NOT_ENOUGH_REPLICAS }));
    const { calls, completion } = completions();
    // batchSize 1: two batches of one partition; the first fails, so the second is never sent.
    const writer = fakeWriter(fake, { topic: 'events', maxAttempts: 1, batchSize: 1, completion });

    const failure = await writer
      .writeMessages([
        { key: '0', value: 'first' },
        { key: '0', value: 'second' },
      ])
      .catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(WriteErrors);
    const per = outcomesPerMessage(calls);
    expect(per.get('first')).toEqual(['BrokerError']);
    expect(per.get('second')).toHaveLength(1);
    expect(per.get('second')?.[0]).not.toBe('ok');
    expect(writer.stats().errors).toBe(2);
  });
});

describe('completion when close() gives up on buffered messages (fake broker)', () => {
  it('reports each message once, the ones never sent included, and counts them in stats().errors', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    const answer = gate();
    onTestFinished(() => answer.release());
    fake.onProduce(() => ({ hold: answer.held }));
    const { calls, completion } = completions();
    // One batch of one message out at a time: 'second' and 'third' are still buffered at close.
    const writer = fakeWriter(fake, {
      topic: 'events',
      async: true,
      batchSize: 1,
      batchTimeoutMs: 0,
      maxInFlightPerPartition: 1,
      completion,
    });
    await writer.writeMessages(['first', 'second', 'third'].map((value) => ({ key: '0', value })));

    const closing = await writer.close({ timeoutMs: 300 }).catch((e: unknown) => e);

    expect(closing).toBeInstanceOf(FlushTimeoutError);
    expect(outcomesPerMessage(calls)).toEqual(
      new Map([
        ['first', ['WriteAbortedError']],
        ['second', ['WriterClosedError']],
        ['third', ['WriterClosedError']],
      ]),
    );
    // kafka-go counts failed writes: the request given up in flight and the buffered batch never sent.
    expect(writer.stats().errors).toBe(2);
  });
});
