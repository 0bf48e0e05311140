import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root, from this file's place in scripts/moto. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Git-ignored virtualenv holding moto and its dependencies. */
export const VENV_DIR = join(PROJECT_ROOT, '.venv', 'moto');

/** Git-ignored run folder: one log and one pid file per port. */
export const CACHE_DIR = join(PROJECT_ROOT, '.cache', 'moto');

/** Starts moto's server with its SQS hot spots made cheap (see the file for why). */
export const SERVER_SCRIPT_PATH = join(PROJECT_ROOT, 'scripts', 'moto', 'moto_server.py');

/** Pins moto and every package it pulls in; the single source of truth for the version. */
export const REQUIREMENTS_PATH = join(PROJECT_ROOT, 'scripts', 'moto', 'requirements.txt');
