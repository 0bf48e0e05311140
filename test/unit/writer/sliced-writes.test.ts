import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { writeInSlices } from '../../../lib/writer/sliced-writes.ts';

const SLICE = 1024;

/** A TCP server on loopback that keeps every byte it receives, and a client connected to it. */
async function connectedPair() {
  const received: Buffer[] = [];
  let serverSide: net.Socket | undefined;
  const server = net.createServer((socket) => {
    serverSide = socket;
    socket.on('data', (data) => received.push(data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => client.once('connect', resolve));
  // What the socket itself is handed, recorded beneath the slicing.
  const handed: number[] = [];
  const write = client.write.bind(client);
  client.write = ((chunk: Buffer, ...rest: never[]) => {
    handed.push(chunk.length);
    return write(chunk, ...rest);
  }) as typeof client.write;
  writeInSlices(client, SLICE);
  const receivedBytes = async (length: number) => {
    while (Buffer.concat(received).length < length) await new Promise((resolve) => setTimeout(resolve, 5));
    return Buffer.concat(received);
  };
  const close = () => {
    client.destroy();
    serverSide?.destroy();
    server.close();
  };
  return { client, handed, receivedBytes, close };
}

function pattern(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

let closeLast: (() => void) | undefined;
afterEach(() => closeLast?.());

describe('writeInSlices', () => {
  it('hands a large chunk to the socket in slices, and writes made meanwhile go after it', async () => {
    const pair = await connectedPair();
    closeLast = pair.close;
    const large = pattern(10 * SLICE + 17, 1);
    const small = pattern(100, 2);
    const second = pattern(3 * SLICE, 3);
    const finished: string[] = [];

    pair.client.write(large, () => finished.push('large'));
    pair.client.write(small, () => finished.push('small'));
    pair.client.write(second, 'binary', () => finished.push('second'));

    const got = await pair.receivedBytes(large.length + small.length + second.length);
    expect(got.equals(Buffer.concat([large, small, second]))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(finished).toEqual(['large', 'small', 'second']);
    expect(Math.max(...pair.handed)).toBe(SLICE);
    expect(pair.handed).toEqual([...Array(10).fill(SLICE), 17, 100, SLICE, SLICE, SLICE]);
  });

  it('writes a chunk no larger than a slice straight through when nothing waits', async () => {
    const pair = await connectedPair();
    closeLast = pair.close;
    const chunk = pattern(SLICE, 4);

    pair.client.write(chunk);

    expect(pair.handed).toEqual([SLICE]); // handed over synchronously, not queued
    expect((await pair.receivedBytes(SLICE)).equals(chunk)).toBe(true);
  });

  it('fails the chunk and every write behind it when the socket dies under a slice', async () => {
    const pair = await connectedPair();
    closeLast = pair.close;
    const errors: (Error | null | undefined)[] = [];

    pair.client.write(pattern(50 * SLICE, 5), (error) => errors.push(error));
    pair.client.write(pattern(10, 6), (error) => errors.push(error));
    pair.client.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    pair.client.write(pattern(5 * SLICE, 7), (error) => errors.push(error));
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(errors).toHaveLength(3);
    for (const error of errors) expect(error).toBeInstanceOf(Error);
    expect(pair.handed.length).toBeLessThan(50); // it stopped slicing once the socket was gone
  });
});
