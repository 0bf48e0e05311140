import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../kafka/paths.ts';
import { listensOn } from './connections.ts';
import { ensureRie } from './install.ts';
import { lambdaNodeFlags } from './node-flags.ts';

/** aws-lambda-ric: the Node.js runtime interface client Lambda's own images run (native client prebuilt). */
const RIC_ENTRY = join(PROJECT_ROOT, 'node_modules', 'aws-lambda-ric', 'index.mjs');

/** One function as Lambda would run it. */
export interface LambdaEmulatorOptions {
  /** `AWS_LAMBDA_FUNCTION_NAME`. */
  readonly name: string;
  /** The deployment package's directory (`LAMBDA_TASK_ROOT`), e.g. a `buildBridgeBundle` outdir. */
  readonly codeDir: string;
  /** @default 'index.handler' */
  readonly handler?: string;
  /** The function's configuration, as the stack would set it. */
  readonly environment: Readonly<Record<string, string>>;
  /** The emulator ends an invocation that runs longer, killing the runtime, as Lambda does. */
  readonly timeoutSeconds: number;
  /** @default 512 */
  readonly memoryMb?: number;
  /** Port of the invoke endpoint on 127.0.0.1. @default one the OS picks */
  readonly port?: number;
  /** Each line the emulator and the function print. @default kept for `output()` only */
  readonly onLine?: (line: string) => void;
}

/** What one invocation came to. */
export type InvokeResult =
  | { readonly kind: 'result'; readonly payload: unknown }
  /** The handler threw or rejected; Lambda reports its error. */
  | { readonly kind: 'error'; readonly errorType: string; readonly errorMessage: string }
  /** The runtime was ended before answering: timed out, or the process died. */
  | { readonly kind: 'ended'; readonly detail: string };

/** An invocation that did not return a result, thrown by `LambdaEmulator.handler`. */
export class FunctionFailedError extends Error {
  constructor(
    readonly functionName: string,
    readonly result: Exclude<InvokeResult, { kind: 'result' }>,
  ) {
    super(
      result.kind === 'error'
        ? `${functionName} failed: ${result.errorType}: ${result.errorMessage}`
        : `${functionName} was ended before it answered${result.detail ? `: ${result.detail}` : ' (timeout or crash)'}`,
    );
    this.name = 'FunctionFailedError';
  }
}

/**
 * A function run under the AWS Lambda Runtime Interface Emulator (aws-lambda-rie) with
 * aws-lambda-ric, the way Lambda runs a `nodejs22.x` function: the runtime process starts on the
 * first invocation, stays warm between invocations, one invocation at a time, and is killed and
 * started afresh after a timeout. Invoked over RIE's HTTP API
 * (`POST /2015-03-31/functions/function/invocations`), on 127.0.0.1 only.
 */
/** Lines kept for `output()`: enough for a test's failure message, bounded for a long `npm start`. */
const KEPT_LINES = 2_000;

export class LambdaEmulator {
  private readonly lines: string[] = [];
  /** RIE takes one invocation at a time (a second one gets 400): callers queue here, as Lambda would run them one after the other in one container. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly name: string,
    private readonly process: ChildProcess,
    /** RIE's invoke endpoint. */
    readonly invokeUrl: string,
  ) {}

  static async start(options: LambdaEmulatorOptions): Promise<LambdaEmulator> {
    if (!existsSync(RIC_ENTRY)) {
      throw new Error(`aws-lambda-ric is not installed (${RIC_ENTRY} is missing): run npm ci`);
    }
    if (!existsSync(join(options.codeDir, 'index.mjs'))) {
      throw new Error(`${options.codeDir} holds no index.mjs: build the function's bundle first`);
    }
    const rie = await ensureRie();
    const [apiPort, runtimeApiPort] = [options.port ?? (await freePort()), await freePort()];
    const memoryMb = options.memoryMb ?? 512;
    const child = spawn(
      rie,
      [
        '--runtime-interface-emulator-address',
        `127.0.0.1:${apiPort}`,
        '--runtime-api-address',
        `127.0.0.1:${runtimeApiPort}`,
        // The runtime: the Node.js 22 running this script (npm puts the `node` devDependency first),
        // with the heap limits Lambda's bootstrap sets for the function's memory.
        process.execPath,
        ...lambdaNodeFlags(memoryMb),
        RIC_ENTRY,
        options.handler ?? 'index.handler',
      ],
      {
        cwd: options.codeDir,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          AWS_REGION: 'us-east-1',
          ...options.environment,
          LAMBDA_TASK_ROOT: options.codeDir,
          AWS_LAMBDA_FUNCTION_NAME: options.name,
          AWS_LAMBDA_FUNCTION_TIMEOUT: String(options.timeoutSeconds),
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const emulator = new LambdaEmulator(
      options.name,
      child,
      `http://127.0.0.1:${apiPort}/2015-03-31/functions/function/invocations`,
    );
    child.on('error', (error) => emulator.lines.push(`could not run aws-lambda-rie: ${error.message}`));
    emulator.collect(child, options.onLine);
    await emulator.waitUntilListening(apiPort);
    return emulator;
  }

  /** Invokes the function once with `event` and waits for the outcome; invocations queue. */
  invoke(event: unknown): Promise<InvokeResult> {
    const result = this.queue.then(() => this.invokeNow(event));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async invokeNow(event: unknown): Promise<InvokeResult> {
    const response = await fetch(this.invokeUrl, { method: 'POST', body: JSON.stringify(event) });
    const text = await response.text();
    // 502/504: the runtime failed to start or was ended before it answered.
    if (response.status === 502 || response.status === 504) return { kind: 'ended', detail: text.trim() };
    if (!response.ok) throw new Error(`${this.name}: the emulator answered ${response.status}: ${text}`);
    // RIE also answers 200 when it ended the runtime: with an empty body, or a plain-text reason
    // ("Task timed out after 3.00 seconds") when the runtime was still starting.
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return { kind: 'ended', detail: text.trim() };
    }
    if (isErrorPayload(payload)) {
      return { kind: 'error', errorType: payload.errorType, errorMessage: payload.errorMessage };
    }
    return { kind: 'result', payload };
  }

  /**
   * The function as a local handler for the stand-ins of its trigger (HTTP gateway, SQS poller,
   * schedule): resolves with its result, rejects with FunctionFailedError as Lambda's caller sees
   * a failed invocation. The context argument is ignored: the runtime makes its own.
   */
  handler<Result>(): (event: unknown, context?: unknown) => Promise<Result> {
    return async (event) => {
      const result = await this.invoke(event);
      if (result.kind !== 'result') throw new FunctionFailedError(this.name, result);
      return result.payload as Result;
    };
  }

  /** Process ids of the runtime (the Node.js process RIE started), empty while none runs. */
  async runtimePids(): Promise<number[]> {
    const pid = this.process.pid;
    if (pid === undefined) return [];
    // Each thread lists the children it forked, and Go forks from whichever thread runs: read all.
    const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
    const pids = new Set<number>();
    for (const task of tasks) {
      const children = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
      for (const child of children.split(' ')) if (child.trim() !== '') pids.add(Number(child));
    }
    return [...pids].sort((a, b) => a - b);
  }

  /** Everything the emulator and the function printed so far. */
  output(): string {
    return this.lines.join('\n');
  }

  async stop(): Promise<void> {
    // The runtime runs in a process group of its own: end it ourselves rather than count on RIE
    // doing so on its way down, so no invocation keeps writing after stop().
    for (const pid of await this.runtimePids()) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!stopped) {
      this.process.kill('SIGKILL');
      await exited;
    }
  }

  private collect(child: ChildProcess, onLine: ((line: string) => void) | undefined): void {
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (pending + chunk).split('\n');
        pending = parts.pop() ?? '';
        for (const line of parts) {
          this.lines.push(line);
          if (this.lines.length > KEPT_LINES) this.lines.shift();
          onLine?.(line);
        }
      });
    }
  }

  private async waitUntilListening(port: number): Promise<void> {
    const deadline = Date.now() + 20_000;
    const pid = this.process.pid;
    while (Date.now() < deadline && pid !== undefined) {
      if (this.process.exitCode !== null || this.process.signalCode !== null) break;
      // RIE's own socket, not another process that took the port meanwhile.
      if (await listensOn(pid, port)) return;
      await sleep(50);
    }
    await this.stop();
    throw new Error(`aws-lambda-rie for ${this.name} did not start listening on ${port}:\n${this.output()}`);
  }
}

function isErrorPayload(payload: unknown): payload is { errorType: string; errorMessage: string } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return false;
  const keys = Object.keys(payload);
  const { errorType, errorMessage } = payload as Record<string, unknown>;
  return (
    typeof errorType === 'string' &&
    typeof errorMessage === 'string' &&
    keys.every((key) => key === 'errorType' || key === 'errorMessage' || key === 'trace')
  );
}

/** A port free on 127.0.0.1 now (the OS's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}
