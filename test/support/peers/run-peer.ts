import { spawn } from 'node:child_process';

/** What a peer process printed. */
export interface PeerOutput {
  stdout: Buffer;
  stderr: string;
}

/** Options of {@link runPeer}. */
export interface RunPeerOptions {
  args: readonly string[];
  stdin?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the process after this long. @default 120_000 */
  timeoutMs?: number;
  /** Printed when the command is not installed: how to get it. */
  installHint: string;
}

/**
 * Runs a peer client (java, go, kcat, ...) with `stdin`, collects its output, and rejects with
 * a message naming the command, its exit code and stderr tail when it fails. A missing command
 * fails loudly with `installHint`: parity tests never skip.
 */
export function runPeer(command: string, options: RunPeerOptions): Promise<PeerOutput> {
  const { args, stdin, cwd, env, timeoutMs = 120_000, installHint } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const detail =
        error.code === 'ENOENT' ? `"${command}" is not installed: ${installHint}` : error.message;
      reject(new Error(`peer ${command} could not start: ${detail}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const errText = Buffer.concat(stderr).toString('utf8');
      if (code === 0) {
        resolve({ stdout: Buffer.concat(stdout), stderr: errText });
        return;
      }
      const how = signal ? `was killed by ${signal} (timeout ${timeoutMs} ms?)` : `exited with ${code}`;
      reject(new Error(`peer ${command} ${args.join(' ')} ${how}:\n${errText.slice(-4000)}`));
    });
    // A peer that exits early closes its stdin; that surfaces as its exit code, not as EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin ?? '');
  });
}
