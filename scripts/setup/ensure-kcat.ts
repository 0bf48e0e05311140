import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Makes sure kcat (librdkafka's CLI, a peer client for parity and codec checks) is on PATH,
 * installing Debian's package when it is missing. Returns the command name.
 */
export async function ensureKcat(): Promise<string> {
  if (await found('kcat')) return 'kcat';
  try {
    await run('apt-get', ['update', '-qq'], { maxBuffer: 32 * 1024 * 1024 });
    await run('apt-get', ['install', '-y', '-qq', 'kcat'], {
      maxBuffer: 32 * 1024 * 1024,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (error) {
    throw new Error(`kcat is missing and "apt-get install kcat" failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!(await found('kcat'))) throw new Error('kcat was installed but is not on PATH');
  return 'kcat';
}

async function found(command: string): Promise<boolean> {
  try {
    await run(command, ['-V']);
    return true;
  } catch {
    return false;
  }
}
