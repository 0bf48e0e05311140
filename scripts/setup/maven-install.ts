import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The dependency plugin, pinned: Maven 3.8's default (2.8) cannot resolve some poms' dependencies
 * here, and a pinned version resolves the same everywhere.
 */
const COPY_DEPENDENCIES = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';

/**
 * Copies the runtime dependencies of `pom` (resolved by `mvn` from Maven Central) into `libs` and
 * returns `libs`. Only the first call downloads: a marker file is written after a complete copy,
 * so an interrupted download is redone, not half-used. `what` names the jars in errors.
 */
export async function copyMavenDependencies(pom: string, libs: string, what: string): Promise<string> {
  const marker = join(libs, '.complete');
  if (existsSync(marker)) return libs;

  const staging = `${libs}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await run(
      'mvn',
      ['-q', '-B', '-f', pom, COPY_DEPENDENCIES, `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (error) {
    const detail = (error as { stdout?: string; stderr?: string }).stdout ?? '';
    throw new Error(`mvn could not resolve ${what} from Maven Central:\n${detail}`, { cause: error });
  }
  await rm(libs, { recursive: true, force: true });
  await rename(staging, libs);
  await writeFile(marker, `${what}\n`);
  return libs;
}
