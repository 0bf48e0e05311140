import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { killConnectionsSilently } from '../../scripts/toxiproxy/dead-socket.ts';

/** A connected pair of plain sockets on loopback, with everything each end sees recorded. */
async function socketPair() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const accepted = once(server, 'connection');
  const client = connect({ host: '127.0.0.1', port });
  await once(client, 'connect');
  const [peer] = (await accepted) as [Socket];
  const seen: string[] = [];
  for (const [side, socket] of [
    ['client', client],
    ['server', peer],
  ] as const) {
    socket.on('data', (data) => seen.push(`${side} got ${data}`));
    socket.on('end', () => seen.push(`${side} got FIN`));
    socket.on('error', (error) => seen.push(`${side} error ${error.message}`));
    socket.on('close', () => seen.push(`${side} closed`));
  }
  onTestFinished(() => {
    client.destroy();
    peer.destroy();
    server.close();
  });
  return { port, client, peer, seen };
}

describe('killConnectionsSilently', () => {
  it('makes an existing connection dead both ways: no data, no FIN, no RST', async () => {
    const { port, client, peer, seen } = await socketPair();
    const dead = await killConnectionsSilently(port);
    onTestFinished(() => dead.revive());

    client.write('ping');
    peer.write('pong');
    // A negative result needs a wait; loopback delivers in well under a millisecond otherwise.
    await sleep(2000);

    expect(dead.clientPorts).toEqual([client.localPort]);
    expect(seen).toEqual([]);
    expect(client.destroyed || peer.destroyed).toBe(false);
  });

  it('leaves new connections to the same port alone', async () => {
    const { port } = await socketPair();
    const dead = await killConnectionsSilently(port);
    onTestFinished(() => dead.revive());

    const fresh = connect({ host: '127.0.0.1', port });
    onTestFinished(() => {
      fresh.destroy();
    });

    await expect(once(fresh, 'connect')).resolves.toBeDefined();
  });

  it('lets the held data through once revived (TCP retransmits it)', async () => {
    const { port, client, seen } = await socketPair();
    const dead = await killConnectionsSilently(port);
    client.write('held');
    await sleep(500);

    await dead.revive();

    await vi.waitFor(() => expect(seen).toEqual(['server got held']), { timeout: 20_000, interval: 100 });
  });

  it('refuses when no connection to the port exists', async () => {
    const { port, client } = await socketPair();
    client.destroy();
    await vi.waitFor(() => expect(client.closed).toBe(true));

    await expect(killConnectionsSilently(port)).rejects.toThrow(/no established/);
  });
});
