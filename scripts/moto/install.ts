import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureVenvTool } from '../setup/python-venv.ts';
import { REQUIREMENTS_PATH, VENV_DIR } from './paths.ts';

/** The moto release pinned in scripts/moto/requirements.txt. */
export async function motoVersion(): Promise<string> {
  const requirements = await readFile(REQUIREMENTS_PATH, 'utf8');
  const match = /^moto(?:\[[^\]]*\])?==(\S+)$/m.exec(requirements);
  if (!match?.[1]) throw new Error(`no pinned moto==<version> line in ${REQUIREMENTS_PATH}`);
  return match[1];
}

/** Path of the moto_server executable inside the project's virtualenv. */
export const MOTO_SERVER_PATH = join(VENV_DIR, 'bin', 'moto_server');

/**
 * Installs the pinned moto[server] into the git-ignored virtualenv .venv/moto (first call only)
 * and returns the path of `moto_server`.
 */
export async function ensureMoto(): Promise<string> {
  return ensureVenvTool({
    name: `moto[server]==${await motoVersion()}`,
    venvDir: VENV_DIR,
    requirementsPath: REQUIREMENTS_PATH,
    executable: MOTO_SERVER_PATH,
  });
}
