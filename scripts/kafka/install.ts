import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CACHE_DIR, POM_PATH } from './paths.ts';

const run = promisify(execFile);

/** The Apache Kafka version pinned in scripts/kafka/pom.xml. */
export async function kafkaVersion(): Promise<string> {
  const pom = await readFile(POM_PATH, 'utf8');
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match?.[1]) throw new Error(`no <kafka.version> in ${POM_PATH}`);
  return match[1];
}

/**
 * Resolves the Kafka broker, tools and Java client jars from Maven Central with `mvn` into
 * .cache/kafka/<version>/libs and returns that folder. Only the first call downloads: a marker
 * file is written after a complete copy, so an interrupted download is redone, not half-used.
 */
export async function ensureKafkaJars(): Promise<string> {
  const version = await kafkaVersion();
  const libs = join(CACHE_DIR, version, 'libs');
  const marker = join(libs, '.complete');
  if (existsSync(marker)) return libs;

  const staging = `${libs}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        POM_PATH,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
        '-DincludeScope=runtime',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (error) {
    const detail = (error as { stdout?: string; stderr?: string }).stdout ?? '';
    throw new Error(`mvn could not resolve Apache Kafka ${version} from Maven Central:\n${detail}`, {
      cause: error,
    });
  }
  await rm(libs, { recursive: true, force: true });
  await rename(staging, libs);
  await writeFile(marker, `${version}\n`);
  return libs;
}
