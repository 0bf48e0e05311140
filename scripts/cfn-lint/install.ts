import { ensureVenvTool } from '../setup/python-venv.ts';
import { CFN_LINT_PATH, REQUIREMENTS_PATH, VENV_DIR } from './paths.ts';

/**
 * Installs the pinned cfn-lint into the git-ignored virtualenv .venv/cfn-lint (first call only)
 * and returns the path of `cfn-lint`.
 */
export async function ensureCfnLint(): Promise<string> {
  return ensureVenvTool({
    name: 'cfn-lint',
    venvDir: VENV_DIR,
    requirementsPath: REQUIREMENTS_PATH,
    executable: CFN_LINT_PATH,
  });
}
