import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * The established TCP connections a process holds to any of `remotePorts` on 127.0.0.1, as
 * `local->remote` port pairs: its socket inodes (/proc/<pid>/fd) matched in /proc/net/tcp. How a
 * test tells that warm invocations reuse the container's Kafka connections.
 */
export async function connectionsTo(pid: number, remotePorts: readonly number[]): Promise<string[]> {
  const inodes = await socketInodes(pid);
  const table = await readFile('/proc/net/tcp', 'utf8');
  const connections: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [, local, remote, state, , , , , , inode] = fields;
    if (!local || !remote || state !== '01' || !inode || !inodes.has(inode)) continue; // 01 = ESTABLISHED
    const localPort = Number.parseInt(local.split(':')[1] as string, 16);
    const remotePort = Number.parseInt(remote.split(':')[1] as string, 16);
    if (remotePorts.includes(remotePort)) connections.push(`${localPort}->${remotePort}`);
  }
  return connections.sort();
}

/** Whether the process itself listens on 127.0.0.1:`port` (not some other process that took it). */
export async function listensOn(pid: number, port: number): Promise<boolean> {
  const inodes = await socketInodes(pid);
  const table = await readFile('/proc/net/tcp', 'utf8');
  return table
    .split('\n')
    .slice(1)
    .some((line) => {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      // 0A = LISTEN
      return (
        state === '0A' &&
        inode !== undefined &&
        inodes.has(inode) &&
        local?.endsWith(`:${port.toString(16).toUpperCase().padStart(4, '0')}`)
      );
    });
}

async function socketInodes(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1]) inodes.add(match[1]);
  }
  return inodes;
}
