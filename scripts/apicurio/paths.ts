import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root, from this file's place in scripts/apicurio. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Apicurio Registry release; its `all` distribution comes from Maven Central. */
export const APICURIO_VERSION = '3.3.3';

/** Maven coordinates of the distribution (Quarkus fast-jar layout in a tar.gz). */
export const APICURIO_ARTIFACT = `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`;

/** Git-ignored cache: the unpacked distribution, one log and one pid file per port. */
export const CACHE_DIR = join(PROJECT_ROOT, '.cache', 'apicurio');

/** Where the distribution is unpacked (holds quarkus-run.jar). */
export const DIST_DIR = join(CACHE_DIR, APICURIO_VERSION);

/** Apicurio 3 is built for Java 21 (class file 65): Java 17 fails with UnsupportedClassVersionError. */
export const MIN_JAVA_MAJOR = 21;
