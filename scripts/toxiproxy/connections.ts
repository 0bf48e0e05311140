import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One established TCP connection, seen from its client end. */
export interface TcpConnection {
  localPort: number;
  remotePort: number;
  /** The process owning the client socket, when the kernel tells (root sees every process). */
  pid?: number;
  command?: string;
}

/**
 * The established TCP connections whose far end is local port `port`, from the client side, by
 * `ss` (iproute2): which processes talk to a listener right now, and from which ports.
 */
export async function connectionsTo(port: number): Promise<TcpConnection[]> {
  const { stdout } = await run('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`]);
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      // Recv-Q Send-Q Local:Port Peer:Port [users:(("name",pid=N,fd=M))]
      const [, , local = '', peer = '', users = ''] = line.trim().split(/\s+/);
      const owner = /\(\("([^"]+)",pid=(\d+)/.exec(users);
      return {
        localPort: portOf(local),
        remotePort: portOf(peer),
        ...(owner ? { command: owner[1], pid: Number(owner[2]) } : {}),
      };
    });
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}
