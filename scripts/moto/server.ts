import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, portAnswers, stopProcess } from '../setup/processes.ts';
import { ensureMoto } from './install.ts';
import { CACHE_DIR } from './paths.ts';

/** The region every local client uses; moto keeps separate state per region. */
export const LOCAL_AWS_REGION = 'us-east-1';

/** moto's fixed account id, the one in every ARN it returns. */
export const MOTO_ACCOUNT_ID = '123456789012';

export interface StartMotoOptions {
  /** TCP port on 127.0.0.1. */
  port: number;
  /** How long to wait for the server to answer; default 30 s. */
  readyTimeoutMs?: number;
}

/** What the pid file records: the server, and the process that started it. */
interface PidRecord {
  pid: number;
  owner: number;
}

/**
 * A moto server (`moto_server -H 127.0.0.1 -p PORT`) standing in for Secrets Manager, SQS and S3.
 * Runs detached with its own log under .cache/moto/, so a crashed test runner leaves it behind
 * only until the next start on that port, which kills it by the pid file.
 */
export class LocalMoto {
  readonly port: number;
  /** Base URL for the AWS SDK's `endpoint` (an IP, so S3 falls back to path-style buckets). */
  readonly endpoint: string;
  private child: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  /** Installs moto on first use, starts a fresh server on `port` and waits until it answers. */
  static async start(options: StartMotoOptions): Promise<LocalMoto> {
    const server = await ensureMoto();
    const moto = new LocalMoto(options.port);
    await mkdir(CACHE_DIR, { recursive: true });
    await moto.stopLeftover();
    await moto.assertPortFree();
    moto.launch(server);
    try {
      await moto.waitUntilReady(options.readyTimeoutMs ?? 30_000);
    } catch (error) {
      await moto.stop();
      throw error;
    }
    return moto;
  }

  get logPath(): string {
    return join(CACHE_DIR, `moto-${this.port}.log`);
  }

  get pidPath(): string {
    return join(CACHE_DIR, `moto-${this.port}.pid`);
  }

  /** The last lines of the server's log, for error messages. */
  logTail(lines = 40): string {
    if (!existsSync(this.logPath)) return `(no log at ${this.logPath})`;
    return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
  }

  /** Forgets every queue, secret and bucket (moto's own reset API), keeping the server up. */
  async reset(): Promise<void> {
    const response = await fetch(`${this.endpoint}/moto-api/reset`, { method: 'POST' });
    if (!response.ok) {
      throw new Error(`moto reset on ${this.endpoint} answered ${response.status}: ${await response.text()}`);
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its pid file. */
  async stop(): Promise<void> {
    const record = await this.readPidRecord();
    const pid = this.child?.pid ?? record?.pid;
    if (pid) await stopProcess(pid, 'SIGTERM', 10_000);
    this.child = undefined;
    await rm(this.pidPath, { force: true });
  }

  private launch(server: string): void {
    const log = openSync(this.logPath, 'w');
    const child = spawn(server, ['-H', '127.0.0.1', '-p', String(this.port)], {
      detached: true,
      stdio: ['ignore', log, log],
      // Unbuffered, so the log tail shown on failure holds the last thing moto said.
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
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
   * Kills a server left on this port by a run that is gone. One whose starter is still alive
   * belongs to another test run: killing it would break that run, so starting fails instead.
   */
  private async stopLeftover(): Promise<void> {
    const record = await this.readPidRecord();
    if (!record || !isMotoServer(record.pid)) {
      await rm(this.pidPath, { force: true });
      return;
    }
    if (isAlive(record.owner)) {
      throw new Error(
        `port ${this.port} is served by a moto (pid ${record.pid}) that live process ${record.owner} started; use another port`,
      );
    }
    await stopProcess(record.pid, 'SIGTERM', 10_000);
    await rm(this.pidPath, { force: true });
  }

  private async assertPortFree(): Promise<void> {
    if (await portAnswers(this.port)) {
      throw new Error(
        `port ${this.port} is already in use on 127.0.0.1; stop whatever holds it (ss -ltnp | grep ${this.port}) or pick another port`,
      );
    }
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastProblem = 'not started';
    while (Date.now() < deadline) {
      if (this.child && this.child.exitCode !== null) {
        throw new Error(
          `moto_server on port ${this.port} exited with code ${this.child.exitCode} while starting. Log tail:\n${this.logTail()}`,
        );
      }
      try {
        const response = await fetch(`${this.endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.ok) return;
        lastProblem = `GET /moto-api/ answered ${response.status}`;
      } catch (error) {
        lastProblem = (error as Error).message;
      }
      await sleep(100);
    }
    throw new Error(
      `moto_server on port ${this.port} not ready after ${timeoutMs} ms (${lastProblem}). Log tail:\n${this.logTail()}`,
    );
  }
}

/**
 * Environment variables that point the real AWS SDK v3 clients (created without options) at a
 * local moto: the shared endpoint, a region, and fake local-only credentials that moto accepts.
 */
export function awsEnvFor(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: LOCAL_AWS_REGION,
    AWS_DEFAULT_REGION: LOCAL_AWS_REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
}

/** True for a live moto_server; a recycled pid of some other program is never killed. */
function isMotoServer(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('moto_server');
  } catch {
    // No /proc (macOS): trust the pid file.
    return true;
  }
}
