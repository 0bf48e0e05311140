import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, portAnswers, stopProcess } from '../setup/processes.ts';
import { ToxiproxyClient } from './client.ts';
import { ensureToxiproxy } from './install.ts';
import { CACHE_DIR } from './paths.ts';

export interface StartToxiproxyOptions {
  /** Port of the HTTP API on 127.0.0.1. */
  apiPort: number;
  /** How long to wait for the API to answer; default 30 s. */
  readyTimeoutMs?: number;
}

/** What the pid file records: the server, and the process that started it. */
interface PidRecord {
  pid: number;
  owner: number;
}

/**
 * A toxiproxy-server on 127.0.0.1:`apiPort`, run detached with its log under .cache/toxiproxy,
 * so a crashed test runner leaves it behind only until the next start on that port.
 */
export class ToxiproxyServer {
  readonly apiPort: number;
  /** A client of this server's API. */
  readonly client: ToxiproxyClient;
  private child: ChildProcess | undefined;

  private constructor(apiPort: number) {
    this.apiPort = apiPort;
    this.client = new ToxiproxyClient(`http://127.0.0.1:${apiPort}`);
  }

  /** Builds the server on first use, starts a fresh one and waits until its API answers. */
  static async start(options: StartToxiproxyOptions): Promise<ToxiproxyServer> {
    const binary = await ensureToxiproxy();
    const server = new ToxiproxyServer(options.apiPort);
    await mkdir(CACHE_DIR, { recursive: true });
    await server.stopLeftover();
    if (await portAnswers(server.apiPort)) {
      throw new Error(
        `port ${server.apiPort} is already in use on 127.0.0.1; stop whatever holds it (ss -ltnp | grep ${server.apiPort}) or pick another API port`,
      );
    }
    server.launch(binary);
    try {
      await server.waitUntilReady(options.readyTimeoutMs ?? 30_000);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get logPath(): string {
    return join(CACHE_DIR, `server-${this.apiPort}.log`);
  }

  get pidPath(): string {
    return join(CACHE_DIR, `server-${this.apiPort}.pid`);
  }

  /** The last lines of the server's log, for error messages. */
  logTail(lines = 40): string {
    if (!existsSync(this.logPath)) return `(no log at ${this.logPath})`;
    return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
  }

  /** Stops the server (SIGTERM, then SIGKILL after 10 s); its proxies close with it. */
  async stop(): Promise<void> {
    const pid = this.child?.pid ?? (await this.readPidRecord())?.pid;
    if (pid) await stopProcess(pid, 'SIGTERM', 10_000);
    this.child = undefined;
    await rm(this.pidPath, { force: true });
  }

  private launch(binary: string): void {
    const log = openSync(this.logPath, 'w');
    // -proxy-metrics: per-proxy byte counters on /metrics, so tests can see traffic pass a proxy.
    const args = ['-host', '127.0.0.1', '-port', String(this.apiPort), '-proxy-metrics'];
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    this.child = child;
    if (child.pid) {
      const record: PidRecord = { pid: child.pid, owner: process.pid };
      void writeFile(this.pidPath, JSON.stringify(record));
    }
  }

  private async readPidRecord(): Promise<PidRecord | undefined> {
    if (!existsSync(this.pidPath)) return undefined;
    try {
      const record = JSON.parse(await readFile(this.pidPath, 'utf8')) as PidRecord;
      return Number.isInteger(record.pid) && record.pid > 0 ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Kills a server left on this port by a run that is gone (or by this process). One whose
   * starter is another live process belongs to another test run, so starting fails instead.
   */
  private async stopLeftover(): Promise<void> {
    const record = await this.readPidRecord();
    if (record && isToxiproxyServer(record.pid)) {
      if (record.owner !== process.pid && isAlive(record.owner)) {
        throw new Error(
          `port ${this.apiPort} is served by a toxiproxy-server (pid ${record.pid}) that live process ${record.owner} started; use another API port`,
        );
      }
      await stopProcess(record.pid, 'SIGTERM', 10_000);
    }
    await rm(this.pidPath, { force: true });
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastProblem = 'not started';
    while (Date.now() < deadline) {
      if (this.child && this.child.exitCode !== null) {
        throw new Error(
          `toxiproxy-server on port ${this.apiPort} exited with code ${this.child.exitCode} while starting. Log tail:\n${this.logTail()}`,
        );
      }
      try {
        await this.client.version();
        return;
      } catch (error) {
        lastProblem = (error as Error).message;
      }
      await sleep(100);
    }
    throw new Error(
      `toxiproxy-server on port ${this.apiPort} not ready after ${timeoutMs} ms (${lastProblem}). Log tail:\n${this.logTail()}`,
    );
  }
}

/** True for a live toxiproxy-server; a recycled pid of some other program is never killed. */
function isToxiproxyServer(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('toxiproxy-server');
  } catch {
    // No /proc (macOS): trust the pid file.
    return true;
  }
}
