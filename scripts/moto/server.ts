import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  clearPort,
  commandLineIncludes,
  type DetachedServerFiles,
  launchDetached,
  logTail,
  stopDetached,
  waitUntilAnswers,
} from '../setup/detached-server.ts';
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

/**
 * A moto server (scripts/moto/moto_server.py, moto's `moto_server` with SQS's hot spots made
 * cheap, `-H 127.0.0.1 -p PORT`) standing in for Secrets Manager, SQS and S3.
 * Runs detached with its own log under .cache/moto/, so a crashed test runner leaves it behind
 * only until the next start on that port, which kills it by the pid file.
 */
export class LocalMoto {
  readonly port: number;
  /** Base URL for the AWS SDK's `endpoint` (an IP, so S3 falls back to path-style buckets). */
  readonly endpoint: string;
  private child: ChildProcess | undefined;
  private readonly files: DetachedServerFiles;

  private constructor(port: number) {
    this.port = port;
    this.endpoint = `http://127.0.0.1:${port}`;
    this.files = {
      name: 'moto',
      port,
      logPath: join(CACHE_DIR, `moto-${port}.log`),
      pidPath: join(CACHE_DIR, `moto-${port}.pid`),
      isOurs: (pid) => commandLineIncludes(pid, 'moto_server'),
    };
  }

  /** Installs moto on first use, starts a fresh server on `port` and waits until it answers. */
  static async start(options: StartMotoOptions): Promise<LocalMoto> {
    const server = await ensureMoto();
    const moto = new LocalMoto(options.port);
    await mkdir(CACHE_DIR, { recursive: true });
    await clearPort(moto.files);
    // Unbuffered, so the log tail shown on failure holds the last thing moto said.
    const args = [...server.args, '-H', '127.0.0.1', '-p', String(moto.port)];
    moto.child = await launchDetached(moto.files, server.command, args, {
      ...process.env,
      PYTHONUNBUFFERED: '1',
    });
    try {
      await moto.waitUntilReady(options.readyTimeoutMs ?? 30_000);
    } catch (error) {
      await moto.stop();
      throw error;
    }
    return moto;
  }

  get logPath(): string {
    return this.files.logPath;
  }

  /** The last lines of the server's log, for error messages. */
  logTail(lines = 40): string {
    return logTail(this.files.logPath, lines);
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
    await stopDetached(this.files, this.child);
    this.child = undefined;
  }

  private waitUntilReady(timeoutMs: number): Promise<void> {
    return waitUntilAnswers({
      name: 'moto_server',
      port: this.port,
      url: `${this.endpoint}/moto-api/`,
      child: this.child,
      timeoutMs,
      pollMs: 100,
      logTail: () => this.logTail(),
    });
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
