import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaSocketFactory } from '../../../lib/writer/socket-factory.ts';

/**
 * Node keeps a socket's TCP_NODELAY choice under an internal symbol (net.js `kSetNoDelay`) and
 * offers no getter; reading it is the only way to see what the factory asked the kernel for. If a
 * Node release renames it, this fails loudly rather than passing.
 */
function noDelayOf(socket: net.Socket): unknown {
  const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  if (!symbol) throw new Error("this Node keeps no 'kSetNoDelay' on its sockets: update the test");
  return (socket as unknown as Record<symbol, unknown>)[symbol];
}

describe('kafkaSocketFactory', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function listening(): Promise<number> {
    const accepted: net.Socket[] = [];
    const server = net.createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const socket of accepted) socket.destroy();
      server.close();
    });
    return (server.address() as net.AddressInfo).port;
  }

  it("turns Nagle's algorithm off, as the Java client and Go do, so a request's last segment is not held back", async () => {
    const port = await listening();
    let connected!: () => void;
    const connect = new Promise<void>((resolve) => {
      connected = resolve;
    });
    const socket = kafkaSocketFactory()({ host: '127.0.0.1', port, onConnect: () => connected() });
    cleanups.push(() => socket.destroy());
    await connect;
    expect(noDelayOf(socket)).toBe(true);
  });
});
