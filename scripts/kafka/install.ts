import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyMavenDependencies } from '../setup/maven-install.ts';
import { CACHE_DIR, POM_PATH } from './paths.ts';

/** The Apache Kafka version pinned in scripts/kafka/pom.xml. */
export async function kafkaVersion(): Promise<string> {
  const pom = await readFile(POM_PATH, 'utf8');
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match?.[1]) throw new Error(`no <kafka.version> in ${POM_PATH}`);
  return match[1];
}

/**
 * Resolves the Kafka broker, tools and Java client jars from Maven Central with `mvn` into
 * .cache/kafka/<version>/libs (once) and returns that folder.
 */
export async function ensureKafkaJars(): Promise<string> {
  const version = await kafkaVersion();
  return copyMavenDependencies(POM_PATH, join(CACHE_DIR, version, 'libs'), `Apache Kafka ${version}`);
}
