import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PEER_CACHE_DIR, sourceDigest } from './peer-cache.ts';
import { runPeer } from './run-peer.ts';

/** How to get `java` and `javac` when they are missing. */
export const JAVA_HINT = 'install a JDK 17+ (Debian: apt-get install openjdk-17-jdk-headless)';

/**
 * Compiles a Java peer's source with `javac` against the jars in `libs`, once per change of the
 * source or of `inputs` (e.g. the pom that chose the jars), into .cache/peers/<name>-<digest>.
 * Returns the classpath to run it with: the jars, then the classes.
 */
export async function compileJavaPeer(
  name: string,
  source: string,
  libs: string,
  inputs: readonly string[] = [],
): Promise<string> {
  const jars = join(libs, '*');
  const classes = join(PEER_CACHE_DIR, `${name}-${await sourceDigest([source, ...inputs])}`);
  const classpath = `${jars}:${classes}`;
  if (existsSync(join(classes, '.complete'))) return classpath;
  const partial = `${classes}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await runPeer('javac', { args: ['-cp', jars, '-d', partial, source], installHint: JAVA_HINT });
  await writeFile(join(partial, '.complete'), '');
  await rm(classes, { recursive: true, force: true });
  await rename(partial, classes);
  return classpath;
}
