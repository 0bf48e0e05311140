import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root, from this file's place in scripts/kafka. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Git-ignored cache: downloaded jars, TLS material, broker data. */
export const CACHE_DIR = join(PROJECT_ROOT, '.cache', 'kafka');

/** The pom that pins the Apache Kafka release; its <kafka.version> is the single source of truth. */
export const POM_PATH = join(PROJECT_ROOT, 'scripts', 'kafka', 'pom.xml');
