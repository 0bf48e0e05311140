import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { CFN_LINT_PATH, REQUIREMENTS_PATH, VENV_DIR } from './paths.ts';

const run = promisify(execFile);

/**
 * Creates the git-ignored virtualenv .venv/cfn-lint with `python3 -m venv` and installs the
 * pinned cfn-lint into it from PyPI, then returns the path of `cfn-lint`. Only the first call
 * installs: a marker holding the requirements' hash is written after a complete install, so an
 * interrupted one is redone and editing requirements.txt reinstalls. `PYTHON` overrides the
 * interpreter. (The same scheme as scripts/moto/install.ts.)
 */
export async function ensureCfnLint(): Promise<string> {
  const requirements = await readFile(REQUIREMENTS_PATH, 'utf8');
  const digest = createHash('sha256').update(requirements).digest('hex');
  const marker = join(VENV_DIR, '.installed');
  if (await markerMatches(marker, digest)) return CFN_LINT_PATH;

  // Two test runs in one work tree may both find no marker: one installs, the other waits.
  return withLock(`${VENV_DIR}.lock`, async () => {
    if (await markerMatches(marker, digest)) return CFN_LINT_PATH;
    const python = process.env.PYTHON ?? 'python3';
    await rm(VENV_DIR, { recursive: true, force: true });
    await mkdir(dirname(VENV_DIR), { recursive: true });
    try {
      await run(python, ['-m', 'venv', VENV_DIR]);
    } catch (error) {
      throw new Error(
        `"${python} -m venv ${VENV_DIR}" failed; cfn-lint needs Python 3.9+ with the venv module (Debian: apt-get install python3-venv):\n${outputOf(error)}`,
        { cause: error },
      );
    }
    try {
      await run(
        join(VENV_DIR, 'bin', 'python'),
        ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q', '-r', REQUIREMENTS_PATH],
        { maxBuffer: 64 * 1024 * 1024 },
      );
    } catch (error) {
      throw new Error(`pip could not install cfn-lint from PyPI:\n${outputOf(error)}`, { cause: error });
    }
    if (!existsSync(CFN_LINT_PATH)) throw new Error(`cfn-lint installed but ${CFN_LINT_PATH} is missing`);
    await writeFile(marker, `${digest}\n`);
    return CFN_LINT_PATH;
  });
}

async function markerMatches(marker: string, digest: string): Promise<boolean> {
  if (!existsSync(marker) || !existsSync(CFN_LINT_PATH)) return false;
  return (await readFile(marker, 'utf8')).trim() === digest;
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
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
