import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { APICURIO_ARTIFACT, DIST_DIR } from './paths.ts';

const run = promisify(execFile);

/** The dependency plugin, pinned like scripts/setup/maven-install.ts does. */
const COPY = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy';

/**
 * Unpacks the Apicurio Registry distribution (resolved by `mvn` from Maven Central, ~160 MB) into
 * the git-ignored cache on first use and returns its folder (holding quarkus-run.jar). A marker
 * file is written after a complete unpack, so an interrupted one is redone, not half-used; two
 * runs installing at once each unpack into their own staging folder and the first rename wins.
 */
export async function ensureApicurio(): Promise<string> {
  const marker = join(DIST_DIR, '.complete');
  if (existsSync(marker)) return DIST_DIR;

  const staging = `${DIST_DIR}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    try {
      await run(
        'mvn',
        ['-q', '-B', COPY, `-Dartifact=${APICURIO_ARTIFACT}`, `-DoutputDirectory=${staging}`],
        {
          maxBuffer: 64 * 1024 * 1024,
        },
      );
    } catch (error) {
      const detail = (error as { stdout?: string }).stdout ?? '';
      throw new Error(`mvn could not resolve ${APICURIO_ARTIFACT} from Maven Central:\n${detail}`, {
        cause: error,
      });
    }
    const archive = (await readdir(staging)).find((name) => name.endsWith('.tar.gz'));
    if (!archive) throw new Error(`mvn resolved ${APICURIO_ARTIFACT} but left no .tar.gz in ${staging}`);
    await run('tar', ['-xzf', archive], { cwd: staging });
    await rm(join(staging, archive));
    if (!existsSync(join(staging, 'quarkus-run.jar'))) {
      throw new Error(`${APICURIO_ARTIFACT} unpacked without quarkus-run.jar (${staging})`);
    }
    await writeFile(join(staging, '.complete'), `${APICURIO_ARTIFACT}\n`);
    if (existsSync(marker)) return DIST_DIR; // another run finished first
    await rm(DIST_DIR, { recursive: true, force: true });
    await rename(staging, DIST_DIR);
    return DIST_DIR;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
