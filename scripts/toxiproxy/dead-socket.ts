import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { isAlive } from '../setup/processes.ts';
import { connectionsTo } from './connections.ts';

const run = promisify(execFile);
const TABLE = 'inet kafka_lambda_bridge_dead_socket';

/** Connections whose packets are being dropped; `revive()` lets them through again. */
export interface DeadSockets {
  serverPort: number;
  /** Client-side ports of the connections that went dead. */
  clientPorts: number[];
  /** Removes the rule: TCP retransmits whatever was lost, the connections carry on (if alive). */
  revive(): Promise<void>;
}

let ready: Promise<void> | undefined;
let chains = 0;

/**
 * Makes the TCP connections to 127.0.0.1:`serverPort` that exist now (or only those from
 * `clientPorts`) silently dead, both ways: an nftables rule drops their packets on arrival, so
 * neither end gets an answer, an RST or a FIN, and writes just sit unacknowledged. New
 * connections to the port are untouched. Toxiproxy cannot do this: removing its timeout toxic
 * closes the connection cleanly. Needs root; installs Debian's nftables on first use if missing.
 *
 * @example
 * const dead = await killConnectionsSilently(cluster.ports(2).clientProxy);
 * onTestFinished(() => dead.revive());
 */
export async function killConnectionsSilently(
  serverPort: number,
  options: { clientPorts?: number[] } = {},
): Promise<DeadSockets> {
  ready ??= prepare().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  await ready;
  const clientPorts = options.clientPorts ?? (await connectionsTo(serverPort)).map((c) => c.localPort);
  if (clientPorts.length === 0)
    throw new Error(`no established TCP connection to port ${serverPort} to kill`);
  // One base chain per call (named after this process), so revive() removes exactly this rule.
  const chain = `dead_${process.pid}_${++chains}`;
  const ports = `{ ${clientPorts.join(', ')} }`;
  await nft(
    [
      `add chain ${TABLE} ${chain} { type filter hook input priority 0 ; policy accept ; }`,
      `add rule ${TABLE} ${chain} tcp sport ${ports} tcp dport ${serverPort} drop`,
      `add rule ${TABLE} ${chain} tcp sport ${serverPort} tcp dport ${ports} drop`,
    ].join('\n'),
  );
  return { serverPort, clientPorts, revive: () => deleteChain(chain) };
}

/** Installs nftables if needed, creates the table, and drops chains of processes that are gone. */
async function prepare(): Promise<void> {
  try {
    await run('nft', ['--version']);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    await installNftables();
  }
  await nft(`add table ${TABLE}`);
  const { stdout } = await run('nft', ['-j', 'list', 'table', ...TABLE.split(' ')]);
  const listed = (JSON.parse(stdout) as { nftables: Array<{ chain?: { name: string } }> }).nftables;
  for (const { chain } of listed) {
    const owner = Number(/^dead_(\d+)_/.exec(chain?.name ?? '')?.[1]);
    if (chain && owner && !isAlive(owner)) await deleteChain(chain.name);
  }
}

async function installNftables(): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['update'], { env, timeout: 300_000 });
    // Waits for a concurrent apt (another test file installing too) instead of failing on its lock.
    await run('apt-get', ['install', '-y', '-o', 'DPkg::Lock::Timeout=300', 'nftables'], {
      env,
      timeout: 600_000,
    });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr ?? (error as Error).message;
    throw new Error(`installing nftables (apt-get install nftables, as root) failed: ${detail}`, {
      cause: error,
    });
  }
}

function deleteChain(chain: string): Promise<void> {
  return nft(`flush chain ${TABLE} ${chain}\ndelete chain ${TABLE} ${chain}`);
}

/** Runs an nft script as one transaction (all of it applies, or none). */
function nft(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('nft', ['-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`nft -f - exited with ${code} (root needed):\n${script}\n${stderr}`));
    });
    child.stdin.end(`${script}\n`);
  });
}
