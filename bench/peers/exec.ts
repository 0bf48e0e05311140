import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/kafka/paths.ts';

/** Git-ignored folder for peer builds and input files. */
export const BENCH_CACHE_DIR = join(PROJECT_ROOT, '.cache', 'bench');

/** What a finished peer process printed, and how long it ran (spawn to exit). */
export interface ExecResult {
  stdout: string;
  stderr: string;
  wallMs: number;
}

/**
 * Runs a peer command to completion; rejects naming the command, exit status and stderr tail.
 * A benchmark must not hang, so the process is killed after `timeoutMs`.
 */
export function exec(
  command: string,
  args: readonly string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    hint?: string;
    /** How errors name the command (default: the command and its arguments). */
    label?: string;
  } = {},
): Promise<ExecResult> {
  const label = options.label ?? `${command} ${args.join(' ')}`;
  const timeoutMs = options.timeoutMs ?? 180_000;
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why =
        error.code === 'ENOENT' ? `not installed${options.hint ? `: ${options.hint}` : ''}` : error.message;
      reject(new Error(`${options.label ?? command} could not start: ${why}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - start;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) return resolve({ stdout, stderr, wallMs });
      const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
      reject(new Error(`${label} ${how}:\n${stderr.slice(-3000)}`));
    });
  });
}

/** Short digest of files: a cached build is reused only while its sources are unchanged. */
export async function sourceDigest(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) hash.update(path).update(await readFile(path));
  return hash.digest('hex').slice(0, 16);
}
