import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root, from this file's place in scripts/cfn-lint. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Git-ignored virtualenv holding cfn-lint and its dependencies. */
export const VENV_DIR = join(PROJECT_ROOT, '.venv', 'cfn-lint');

/** Pins cfn-lint and every package it pulls in. */
export const REQUIREMENTS_PATH = join(PROJECT_ROOT, 'scripts', 'cfn-lint', 'requirements.txt');

/** The cfn-lint executable inside the virtualenv. */
export const CFN_LINT_PATH = join(VENV_DIR, 'bin', 'cfn-lint');
