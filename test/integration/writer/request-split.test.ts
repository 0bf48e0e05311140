import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { RoundRobin, Writer } from '../../../lib/index.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { createTopic } from '../../support/topics.ts';

const brokers = inject('kafkaBrokers');
const PRODUCE_API_KEY = 0;

/**
 * Counts the Produce requests the Writer's sockets put on the wire: the Writer writes each request
 * frame in one socket write (size, then api key at byte 4), so a write whose api key is 0 is one
 * Produce request. net.connect is wrapped for this file's tests only.
 */
let produceRequests = 0;
const originalConnect = net.connect;
beforeEach(() => {
  produceRequests = 0;
  (net as { connect: typeof net.connect }).connect = ((...args: Parameters<typeof net.connect>) => {
    const socket = originalConnect(...args);
    const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (Buffer.isBuffer(chunk) && chunk.length >= 6 && chunk.readInt16BE(4) === PRODUCE_API_KEY) {
        produceRequests++;
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  }) as typeof net.connect;
});
afterEach(() => {
  (net as { connect: typeof net.connect }).connect = originalConnect;
});

/**
 * 600 messages of exactly 7 + 128 bytes; with RoundRobin each of 6 partitions gets 100 of them, a
 * batch of 100 x (32 + 135) = 16,700 bytes as the Writer counts them (RECORD_OVERHEAD_BYTES 32).
 */
function call(tag: string) {
  return Array.from({ length: 600 }, (_, i) => ({
    key: `key-${String(i).padStart(3, '0')}`,
    value: `${tag}-${i}-`.padEnd(128, 'x'),
  }));
}
const BATCH_BYTES = 16_700;

/**
 * A first call to every partition, answered: a topic just created can answer
 * NOT_LEADER_OR_FOLLOWER for a moment, and the retry would be one more request.
 */
async function leadersSettled(writer: Writer): Promise<void> {
  await writer.writeMessages(Array.from({ length: 6 }, (_, i) => ({ key: 'warm-up', value: `${i}` })));
}

/** Six partitions all led by one broker, so a call's batches go to one leader. */
async function topicOnOneLeader(): Promise<string> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const { brokers: nodes } = await admin.describeCluster();
  await admin.disconnect();
  const ids = nodes.map((n) => n.nodeId).sort((a, b) => a - b);
  return createTopic(brokers, { replicaAssignment: Array.from({ length: 6 }, () => ids) });
}

/**
 * A sync Writer on a fresh topic whose six partitions one broker leads, a first call answered;
 * with it, the number of Produce requests its next call puts on the wire.
 */
async function syncWriter(maxRequestBytes?: number) {
  const topic = await topicOnOneLeader();
  const writer = new Writer({
    brokers,
    topic,
    batchSize: 1000,
    balancer: new RoundRobin(),
    ...(maxRequestBytes === undefined ? {} : { maxRequestBytes }),
  });
  await leadersSettled(writer);
  const requestsOf = async (messages: ReturnType<typeof call>) => {
    const before = produceRequests;
    const written = await writer.writeMessages(messages);
    return { written, requests: produceRequests - before };
  };
  return { topic, writer, requestsOf };
}

describe('Produce requests kept under maxRequestBytes, on a real broker', () => {
  it("sends a sync call's six partition batches to one leader in one request by default", async () => {
    const { writer, requestsOf } = await syncWriter();
    expect((await requestsOf(call('one'))).requests).toBe(1);
    await writer.close();
  });

  it('splits them between requests at partition boundaries, and every message lands once, in order per key', async () => {
    // Two partition batches fit, three do not.
    const { topic, writer, requestsOf } = await syncWriter(2 * BATCH_BYTES + 100);
    const { written, requests } = await requestsOf(call('split'));
    expect(requests).toBe(3);
    await writer.close();

    // The six warm-up messages and the call's 600, nothing more (kcat fails on more).
    const records = await consumeWithKcat(brokers, topic, { count: 606 });
    const byOffset = new Map(records.map((r) => [`${r.partition}/${r.offset}`, r.value?.toString()]));
    expect(written.map((m) => byOffset.get(`${m.partition}/${m.offset}`))).toEqual(
      call('split').map((m) => m.value),
    );
  });

  it('sends a batch larger than maxRequestBytes alone rather than splitting it', async () => {
    const { topic, writer, requestsOf } = await syncWriter(BATCH_BYTES - 1);
    const { written, requests } = await requestsOf(call('alone'));
    expect(requests).toBe(6);
    // One batch per partition: each partition's offsets are consecutive.
    for (const partition of new Set(written.map((m) => m.partition))) {
      const offsets = written.filter((m) => m.partition === partition).map((m) => Number(m.offset));
      expect(offsets).toEqual(offsets.map((_, i) => (offsets[0] as number) + i));
    }
    await writer.close();
    expect((await consumeWithKcat(brokers, topic, { count: 606 })).length).toBe(606);
  });

  it('keeps an async stream of full partition batches under the limit and delivers it once', async () => {
    const topic = await topicOnOneLeader();
    const writer = new Writer({
      brokers,
      topic,
      async: true,
      batchSize: 100,
      balancer: new RoundRobin(),
      maxRequestBytes: 2 * BATCH_BYTES + 100,
    });
    for (let c = 0; c < 10; c++) await writer.writeMessages(call(`async${c}`));
    await writer.close();
    // 6,000 messages in batches of at most 100: at least 60 batches, at most two in a request.
    expect(produceRequests).toBeGreaterThanOrEqual(30);
    const records = await consumeWithKcat(brokers, topic, { count: 6_000 });
    for (let i = 0; i < 600; i++) {
      const values = records
        .filter((r) => r.key?.toString() === `key-${String(i).padStart(3, '0')}`)
        .map((r) => r.value?.toString());
      expect(values).toEqual(Array.from({ length: 10 }, (_, c) => `async${c}-${i}-`.padEnd(128, 'x')));
    }
  });
});
