import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { isAlive } from './processes.ts';

const run = promisify(execFile);

/** A Python tool the project installs from PyPI into a git-ignored virtualenv of its own. */
export interface VenvTool {
  /** Name for error messages (e.g. "moto[server]==5.2.5"). */
  name: string;
  venvDir: string;
  requirementsPath: string;
  /** The executable the install must produce; returned when ready. */
  executable: string;
}

/**
 * Creates `venvDir` with `python3 -m venv` and installs `requirementsPath` into it, then returns
 * the tool's executable. Only the first call installs: a marker holding the requirements' hash is
 * written after a complete install, so an interrupted one is redone and editing the requirements
 * reinstalls. A lock lets two test runs in one work tree share one install. `PYTHON` overrides
 * the interpreter.
 */
export async function ensureVenvTool(tool: VenvTool): Promise<string> {
  const { name, venvDir, requirementsPath, executable } = tool;
  const requirements = await readFile(requirementsPath, 'utf8');
  const digest = createHash('sha256').update(requirements).digest('hex');
  const marker = join(venvDir, '.installed');
  const ready = async () =>
    existsSync(marker) && existsSync(executable) && (await readFile(marker, 'utf8')).trim() === digest;
  if (await ready()) return executable;

  return withLock(`${venvDir}.lock`, async () => {
    if (await ready()) return executable;
    const python = process.env.PYTHON ?? 'python3';
    await rm(venvDir, { recursive: true, force: true });
    await mkdir(dirname(venvDir), { recursive: true });
    try {
      await run(python, ['-m', 'venv', venvDir]);
    } catch (error) {
      throw new Error(
        `"${python} -m venv ${venvDir}" failed; ${name} needs Python 3.9+ with the venv module (Debian: apt-get install python3-venv):\n${outputOf(error)}`,
        { cause: error },
      );
    }
    try {
      await run(
        join(venvDir, 'bin', 'python'),
        ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q', '-r', requirementsPath],
        { maxBuffer: 64 * 1024 * 1024 },
      );
    } catch (error) {
      throw new Error(`pip could not install ${name} from PyPI:\n${outputOf(error)}`, { cause: error });
    }
    if (!existsSync(executable)) throw new Error(`${name} installed but ${executable} is missing`);
    await writeFile(marker, `${digest}\n`);
    return executable;
  });
}

/** Runs `task` holding an exclusive lock file; a lock left by a dead process is taken over. */
async function withLock<T>(path: string, task: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    // link() is atomic and fails on an existing name, so the lock never exists without its pid.
    const mine = `${path}.${process.pid}`;
    await writeFile(mine, String(process.pid));
    try {
      await link(mine, path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
        await rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${path} held by pid ${holder}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await rm(mine, { force: true });
    }
  }
  try {
    return await task();
  } finally {
    await rm(path, { force: true });
  }
}

function outputOf(error: unknown): string {
  const {
    stdout = '',
    stderr = '',
    message,
  } = error as { stdout?: string; stderr?: string; message: string };
  const text = `${stdout}${stderr}`.trim() || message;
  return text.split('\n').slice(-30).join('\n');
}
