import { connect, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  API_KEYS,
  ERROR_CODES,
  type FakeKafkaCluster,
  startFakeKafkaCluster,
} from '../../support/fake-broker/index.ts';
import { kafkaJsCluster, messages, produceRaw } from './kafkajs-cluster-client.ts';

async function startFake(): Promise<FakeKafkaCluster> {
  const fake = await startFakeKafkaCluster({ topics: { events: 1 } });
  onTestFinished(() => fake.stop());
  return fake;
}

/** A size-prefixed request frame: header v1 (client id "raw") and `body`. */
function frame(apiKey: number, apiVersion: number, correlationId: number, body = Buffer.alloc(0)): Buffer {
  const clientId = Buffer.from('raw');
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + clientId.length + body.length);
  return Buffer.concat([size, header, clientId, body]);
}

/** A raw TCP client: collects response frames (correlation id, body) and notices the close. */
async function rawClient(fake: FakeKafkaCluster) {
  const [host, port] = (fake.brokers[0] as string).split(':');
  const socket: Socket = connect(Number(port), host);
  onTestFinished(() => {
    socket.destroy();
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  const responses: Array<{ correlationId: number; body: Buffer }> = [];
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = pending.readInt32BE(0);
      responses.push({ correlationId: pending.readInt32BE(4), body: pending.subarray(8, 4 + size) });
      pending = pending.subarray(4 + size);
    }
  });
  const closed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)));
  return { socket, responses, closed };
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);

describe('FakeKafkaCluster connection handling', () => {
  it('reads frames split across TCP chunks and pipelined in one write, answering in order', async () => {
    const fake = await startFake();
    const client = await rawClient(fake);
    const bytes = Buffer.concat([1, 2, 3].map((id) => frame(API_KEYS.ApiVersions, 2, id)));

    for (const byte of bytes) client.socket.write(Buffer.from([byte]));
    await within(
      new Promise<void>((resolve) => {
        const poll = () => (client.responses.length === 3 ? resolve() : setTimeout(poll, 5));
        poll();
      }),
      2000,
    );

    expect(client.responses.map((r) => r.correlationId)).toEqual([1, 2, 3]);
  });

  it('answers an ApiVersions version it does not implement with UNSUPPORTED_VERSION in the v0 layout', async () => {
    const fake = await startFake();
    const client = await rawClient(fake);

    client.socket.write(frame(API_KEYS.ApiVersions, 3, 9));
    await within(new Promise<void>((resolve) => client.socket.once('data', () => resolve())), 2000);

    const [response] = client.responses;
    expect(response?.correlationId).toBe(9);
    expect(response?.body.readInt16BE(0)).toBe(ERROR_CODES.UNSUPPORTED_VERSION);
    // error_code, 4 APIs of 6 bytes each, and no throttle_time_ms
    expect(response?.body.length).toBe(2 + 4 + 4 * 6);
  });

  it.each([
    ['an API it does not implement (Fetch)', frame(1, 11, 1)],
    ['a Produce version it does not advertise (v2)', frame(API_KEYS.Produce, 2, 1)],
    ['a truncated Metadata request', frame(API_KEYS.Metadata, 6, 1, Buffer.from([0, 0]))],
  ])('closes the connection on %s, as Kafka does', async (_, request) => {
    const fake = await startFake();
    const client = await rawClient(fake);

    client.socket.write(request);

    expect(await within(client.closed, 2000)).toBe(true);
    expect(client.responses).toEqual([]);
  });

  it('answers CORRUPT_MESSAGE for a batch whose CRC does not match, appending nothing', async () => {
    const fake = await startFake();
    const cluster = kafkaJsCluster(fake.brokers);
    onTestFinished(() => cluster.disconnect());
    await cluster.connect();
    await cluster.addMultipleTargetTopics(['events']);

    const [answer] = await produceRaw(cluster, 1, {
      producerId: -1,
      producerEpoch: 0,
      batches: [{ topic: 'events', partition: 0, firstSequence: 0, messages: messages(1) }],
      // The body ends inside the last record, which the batch CRC covers.
      tamper: (body) => body.writeUInt8(body.readUInt8(body.length - 1) ^ 0x01, body.length - 1),
    });

    expect(answer?.errorCode).toBe(ERROR_CODES.CORRUPT_MESSAGE);
    expect(fake.records('events', 0)).toEqual([]);
  });
});
