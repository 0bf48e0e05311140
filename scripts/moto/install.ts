import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureVenvTool } from '../setup/python-venv.ts';
import { REQUIREMENTS_PATH, SERVER_SCRIPT_PATH, VENV_DIR } from './paths.ts';

/** The moto release pinned in scripts/moto/requirements.txt. */
export async function motoVersion(): Promise<string> {
  const requirements = await readFile(REQUIREMENTS_PATH, 'utf8');
  const match = /^moto(?:\[[^\]]*\])?==(\S+)$/m.exec(requirements);
  if (!match?.[1]) throw new Error(`no pinned moto==<version> line in ${REQUIREMENTS_PATH}`);
  return match[1];
}

/** Path of the moto_server executable inside the project's virtualenv. */
export const MOTO_SERVER_PATH = join(VENV_DIR, 'bin', 'moto_server');

/** The command that starts the server: `[command, ...args]`, then moto_server's own arguments. */
export interface MotoServerCommand {
  command: string;
  args: string[];
}

/**
 * Installs the pinned moto[server] into the git-ignored virtualenv .venv/moto (first call only)
 * and returns how to start it: the venv's Python running scripts/moto/moto_server.py, which is
 * moto's `moto_server` with two SQS hot spots made cheap (that file says why).
 */
export async function ensureMoto(): Promise<MotoServerCommand> {
  await ensureVenvTool({
    name: `moto[server]==${await motoVersion()}`,
    venvDir: VENV_DIR,
    requirementsPath: REQUIREMENTS_PATH,
    executable: MOTO_SERVER_PATH,
  });
  return { command: join(VENV_DIR, 'bin', 'python'), args: [SERVER_SCRIPT_PATH] };
}
