import { describe, expect, it, vi } from 'vitest';
import { type BrokerError, WriteErrors } from '../../../../lib/index.ts';
import { ERROR_CODES } from '../../../support/fake-broker/index.ts';
import { fakeCluster, fakeWriter, valueAt, valuesIn } from '../../../support/fake-writer.ts';
import { gate } from '../../../support/gate.ts';

// Issue 9, defects 1-3: the fake applies Kafka's duplicate rules (KIP-98), so a batch sent with
// another batch's producer id, epoch and sequences is taken for its retry and never appended.

const failure = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (error: unknown) => error,
  );

/** The first error of a failed call, whether it came alone or inside WriteErrors. */
function firstError(error: unknown): BrokerError {
  const inner = error instanceof WriteErrors ? error.errors.find((e) => e !== undefined) : error;
  return inner as BrokerError;
}

describe('idempotent Writer under faults (KIP-98 fake broker)', () => {
  it('never acknowledges a message at an offset that holds another one after a batch in doubt and a failed InitProducerId', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    const writer = fakeWriter(fake, { idempotent: true, topic: 'events', maxAttempts: 1 });
    await writer.writeMessages([{ key: '0', value: 'warm-up' }]);

    // A is appended, but its answer says otherwise: the Writer cannot know, A is in doubt.
    const removeHook = fake.onProduce(({ attempt }) =>
      attempt === 1 ? { appendThenError: ERROR_CODES.REQUEST_TIMED_OUT } : 'append',
    );
    const a = firstError(await failure(writer.writeMessages([{ key: '0', value: 'A' }])));
    removeHook();

    // The next InitProducerId fails once (its broker is unreachable); B and C must not ride on
    // A's sequence numbers whatever the Writer does about it.
    let inits = 0;
    fake.onInitProducerId(() => (inits++ === 0 ? { closeConnection: true } : 'answer'));
    const b = await writer.writeMessages([{ key: '0', value: 'B' }]).catch(() => undefined);
    const c = await writer.writeMessages([{ key: '0', value: 'C' }]);

    if (b) expect(valueAt(fake, b[0] as never)).toBe('B');
    expect(valueAt(fake, c[0] as never)).toBe('C');
    expect(valuesIn(fake, 'events', 0)).toEqual(expect.arrayContaining(['warm-up', 'A', 'C']));
    expect(a.mayBeDelivered).toBe(true);
  });

  it('reports a batch answered NOT_LEADER_OR_FOLLOWER after its append as "may be delivered", and a retry does not duplicate it', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    const once = fakeWriter(fake, { idempotent: true, topic: 'events', maxAttempts: 1 });
    fake.onProduce(({ attempt }) =>
      attempt === 1 ? { appendThenError: ERROR_CODES.NOT_LEADER_OR_FOLLOWER } : 'append',
    );

    const error = firstError(await failure(once.writeMessages([{ key: '0', value: 'moved' }])));
    expect(error.mayBeDelivered).toBe(true);
    expect(error.code).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(valuesIn(fake, 'events', 0)).toEqual(['moved']);

    const retrying = fakeWriter(fake, { idempotent: true, topic: 'events' });
    const [landed] = await retrying.writeMessages([{ key: '0', value: 'retried' }]);
    expect(valueAt(fake, landed as never)).toBe('retried');
    expect(valuesIn(fake, 'events', 0)).toEqual(['moved', 'retried']);
  });

  it('does not re-send another partition batch in doubt under a new producer identity (which would append it twice)', async () => {
    const fake = await fakeCluster({ nodes: 2 });
    fake.createTopic('events', 2, { leaders: [1, 2] });
    const writer = fakeWriter(fake, { idempotent: true, topic: 'events', maxAttempts: 2 });
    // Partition 1 (node 2): the first attempt is held, then appended and its answer lost; the retry
    // comes after partition 0 (node 1) gave a batch up in doubt and the producer had to renew.
    const answer = gate();
    fake.onProduce(({ partition, attempt }) => {
      if (partition === 0) return { appendThenError: ERROR_CODES.REQUEST_TIMED_OUT };
      if (attempt > 1) return 'append';
      return {
        hold: answer.held,
        next: { appendThenError: ERROR_CODES.REQUEST_TIMED_OUT },
      };
    });

    const p1 = writer.writeMessages([{ key: '1', value: 'P1-once' }]);
    await vi.waitFor(() => expect(fake.requestCount('Produce', 2)).toBe(1));
    const given = firstError(await failure(writer.writeMessages([{ key: '0', value: 'P0-first' }])));
    await failure(writer.writeMessages([{ key: '0', value: 'P0-second' }]));
    answer.release();
    const [landed] = await p1;

    // The first attempt's answer was lost, so partition 1 saw a retry.
    expect(fake.requestCount('Produce', 2)).toBe(2);
    expect(valuesIn(fake, 'events', 1)).toEqual(['P1-once']);
    expect(valueAt(fake, landed as never)).toBe('P1-once');
    expect(given.mayBeDelivered).toBe(true);
  });

  it('asks for a producer id again when InitProducerId fails, and sends nothing without one', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    let inits = 0;
    fake.onInitProducerId(() => (inits++ === 0 ? { closeConnection: true } : 'answer'));
    const writer = fakeWriter(fake, { idempotent: true, topic: 'events' });

    const [landed] = await writer.writeMessages([{ key: '0', value: 'after a failed init' }]);

    expect(inits).toBe(2);
    expect(valueAt(fake, landed as never)).toBe('after a failed init');
    expect(fake.records('events', 0).every((r) => r.producerId >= 0)).toBe(true);
  });

  it('bounds a call by its deadline while InitProducerId is not answered, and says nothing was sent', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    fake.onInitProducerId(() => ({ noAnswer: true }));
    const writer = fakeWriter(fake, { idempotent: true, topic: 'events', writeTimeoutMs: 500 });

    const error = await failure(writer.writeMessages([{ key: '0', value: 'x' }], { timeoutMs: 300 }));

    expect(error).toMatchObject({ name: 'WriteAbortedError', reason: 'timeout', mayBeDelivered: false });
    expect(fake.requestCount('Produce')).toBe(0);
  });
});
