import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { FlushError, type Writer } from '../../../../lib/index.ts';
import {
  ERROR_CODES,
  type FakeKafkaCluster,
  type ProduceAction,
} from '../../../support/fake-broker/index.ts';
import { fakeCluster, fakeWriter, valuesIn } from '../../../support/fake-writer.ts';
import { gate } from '../../../support/gate.ts';

// Issue 12: up to five Produce requests per partition in flight (idempotent). The fake applies
// Kafka's sequence rules (KIP-98) and answers one request per connection at a time, as a broker
// does, so the requests behind a held one wait in its connection: `waitingRequests` shows them.

const VALUES = ['m0', 'm1', 'm2', 'm3', 'm4'];
const FIRST = 'first';

/** An async Writer sending each message as its own batch to partition 0 of `events`. */
function pipelinedWriter(fake: FakeKafkaCluster, options: Parameters<typeof fakeWriter>[1] = {}): Writer {
  return fakeWriter(fake, {
    topic: 'events',
    async: true,
    batchSize: 1,
    batchTimeoutMs: 0,
    idempotent: true,
    ...options,
  });
}

/**
 * Holds the first attempt of the batch carrying `m0` until the other four are queued behind it
 * in its connection (or 10 s passed), then applies `then` to it; every other batch gets the
 * broker's own rules. Resolves with whether the four were seen queued behind it.
 */
function holdFirstBatchThen(
  fake: FakeKafkaCluster,
  then: ProduceAction,
  beforeRelease: () => void = () => {},
): Promise<boolean> {
  const held = gate();
  onTestFinished(() => held.release());
  let resolve: (seen: boolean) => void = () => {};
  const pipelined = new Promise<boolean>((done) => {
    resolve = done;
  });
  fake.onProduce(({ records, attempt }) => {
    if (records?.[0]?.value?.toString() !== 'm0' || attempt > 1) return 'append';
    vi.waitFor(() => expect(fake.waitingRequests()).toBe(VALUES.length - 1), { timeout: 10_000 })
      .then(
        () => resolve(true),
        () => resolve(false),
      )
      .finally(() => {
        beforeRelease();
        held.release();
      });
    return { hold: held.held, next: then };
  });
  return pipelined;
}

/**
 * Writes a first message and waits for it (a partition pipelines only once the broker has
 * acknowledged a batch of it: before that it checks no sequence), then VALUES, each its own batch.
 */
async function writeAll(writer: Writer): Promise<unknown> {
  await writer.writeMessages([{ key: '0', value: FIRST }]);
  await writer.flush();
  await writer.writeMessages(VALUES.map((value) => ({ key: '0', value })));
  return writer.flush().then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('Writer pipelining (KIP-98 fake broker)', () => {
  it('keeps five requests of a partition in flight and writes their batches in order, once each', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    const pipelined = holdFirstBatchThen(fake, 'append');

    expect(await writeAll(pipelinedWriter(fake))).toBeUndefined();

    expect(await pipelined).toBe(true);
    expect(valuesIn(fake, 'events', 0)).toEqual([FIRST, ...VALUES]);
    expect(fake.requestCount('Produce')).toBe(1 + VALUES.length);
  });

  it('sends one request of a partition at a time when maxInFlightPerPartition is 1', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    const waitingBehind: number[] = [];
    fake.onProduce(() => {
      waitingBehind.push(fake.waitingRequests());
      return 'append';
    });

    expect(await writeAll(pipelinedWriter(fake, { maxInFlightPerPartition: 1 }))).toBeUndefined();

    expect(valuesIn(fake, 'events', 0)).toEqual([FIRST, ...VALUES]);
    expect(waitingBehind).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('retries a head refused before the append, then the batches refused as out of order behind it, in order', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    const pipelined = holdFirstBatchThen(fake, { rejectWith: ERROR_CODES.NOT_ENOUGH_REPLICAS });

    expect(await writeAll(pipelinedWriter(fake))).toBeUndefined();

    expect(await pipelined).toBe(true);
    expect(valuesIn(fake, 'events', 0)).toEqual([FIRST, ...VALUES]);
    // The first message, five requests, then the head's retry and one retry for each of the four
    // behind it, which met OUT_OF_ORDER_SEQUENCE_NUMBER: explained by the head, so no new epoch.
    expect(fake.requestCount('Produce')).toBe(11);
    const [producerId] = new Set(fake.records('events', 0).map((r) => r.producerId));
    expect(fake.producerState('events', 0, producerId as number)?.epoch).toBe(0);
  });

  it('writes a head whose answer was lost once, with the batches behind it in order', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    const pipelined = holdFirstBatchThen(fake, { appendThenError: ERROR_CODES.REQUEST_TIMED_OUT });

    expect(await writeAll(pipelinedWriter(fake))).toBeUndefined();

    expect(await pipelined).toBe(true);
    expect(valuesIn(fake, 'events', 0)).toEqual([FIRST, ...VALUES]);
  });

  it('writes nothing twice when the connection drops with five requests out, the first of them appended', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    const pipelined = holdFirstBatchThen(fake, { closeConnection: true, append: true });

    expect(await writeAll(pipelinedWriter(fake))).toBeUndefined();

    expect(await pipelined).toBe(true);
    expect(valuesIn(fake, 'events', 0)).toEqual([FIRST, ...VALUES]);
  });

  it('follows a leader that moved with five requests out, in order, once each', async () => {
    const fake = await fakeCluster({ nodes: 2 });
    fake.createTopic('events', 1, { leaders: [1] });
    // Leadership moves while the first request is held: node 1 then appends nothing of them.
    const pipelined = holdFirstBatchThen(fake, 'append', () => fake.setLeader('events', 0, 2));

    expect(await writeAll(pipelinedWriter(fake))).toBeUndefined();

    expect(await pipelined).toBe(true);
    expect(valuesIn(fake, 'events', 0)).toEqual([FIRST, ...VALUES]);
    expect(fake.requestCount('Produce', 2)).toBeGreaterThanOrEqual(VALUES.length);
  });

  it('fails only a head refused for good, and writes the batches behind it in order under a new epoch', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    const pipelined = holdFirstBatchThen(fake, { rejectWith: ERROR_CODES.CORRUPT_MESSAGE });

    const error = await writeAll(pipelinedWriter(fake));

    expect(await pipelined).toBe(true);
    expect(error).toBeInstanceOf(FlushError);
    const failures = (error as FlushError).failures;
    expect(failures.map((f) => f.message.value)).toEqual(['m0']);
    expect(failures[0]?.error).toMatchObject({ code: 'CORRUPT_MESSAGE', mayBeDelivered: false });
    expect(valuesIn(fake, 'events', 0)).toEqual([FIRST, ...VALUES.slice(1)]);
    expect(fake.requestCount('Produce')).toBe(10);
    const [producerId] = new Set(fake.records('events', 0).map((r) => r.producerId));
    // m1..m4 had sequences after m0's, which the broker never got: they start over at epoch 1.
    expect(fake.producerState('events', 0, producerId as number)?.epoch).toBe(1);
  });

  it("sends a partition's first batch alone on a broker that takes any sequence from a producer it has no state for", async () => {
    // Kafka 2.5+ (KIP-360): with no state for the producer id, the broker checks no sequence. Were
    // m1..m4 sent behind m0, they would be appended while m0 is refused (a broker not yet leader
    // answers NOT_LEADER_OR_FOLLOWER), and m0 could never go in ahead of them.
    const fake = await fakeCluster({ topics: { events: 1 }, unknownProducerId: 'accept' });
    const held = gate();
    onTestFinished(() => held.release());
    let queuedBehindFirst = -1;
    fake.onProduce(({ records, attempt }) => {
      if (records?.[0]?.value?.toString() !== 'm0' || attempt > 1) return 'append';
      // Give the others every chance to be sent behind it before it is refused.
      setTimeout(() => {
        queuedBehindFirst = fake.waitingRequests();
        held.release();
      }, 200);
      return { hold: held.held, next: { rejectWith: ERROR_CODES.NOT_LEADER_OR_FOLLOWER } };
    });
    const writer = pipelinedWriter(fake);

    await writer.writeMessages(VALUES.map((value) => ({ key: '0', value })));
    await writer.flush();

    expect(queuedBehindFirst).toBe(0);
    expect(valuesIn(fake, 'events', 0)).toEqual(VALUES);
  });
});
