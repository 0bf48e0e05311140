import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The `java` of the newest installed JVM whose major version is at least `minMajor`. Looks at
 * `APICURIO_JAVA_HOME`, `JAVA_HOME`, every JVM under /usr/lib/jvm and `java` on PATH (this
 * machine kind ships Temurin 25 beside the default Java 17). Throws, naming what it found, when
 * none is new enough.
 */
export function findJava(minMajor: number): string {
  const seen: string[] = [];
  let best: { java: string; major: number } | undefined;
  for (const java of candidateJavas()) {
    const major = javaMajor(java);
    seen.push(`${java}: ${major ?? 'not runnable'}`);
    if (major !== undefined && major >= minMajor && (!best || major > best.major)) best = { java, major };
  }
  if (best) return best.java;
  throw new Error(
    `Apicurio Registry needs Java ${minMajor} or newer and none was found. Install one (apt-get install ` +
      `openjdk-${minMajor}-jdk-headless, or a Temurin JDK) or set APICURIO_JAVA_HOME. Looked at:\n  ${seen.join('\n  ')}`,
  );
}

function candidateJavas(): string[] {
  const homes = [process.env.APICURIO_JAVA_HOME, process.env.JAVA_HOME].filter((h): h is string => !!h);
  const jvmRoot = '/usr/lib/jvm';
  if (existsSync(jvmRoot)) homes.push(...readdirSync(jvmRoot).map((name) => join(jvmRoot, name)));
  const javas = homes.map((home) => join(home, 'bin', 'java')).filter((java) => existsSync(java));
  javas.push('java');
  return [...new Set(javas)];
}

/** `java -version` prints `... version "25.0.1" ...` (or "1.8.0_..." for Java 8) on stderr. */
function javaMajor(java: string): number | undefined {
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return parseMajor(`${result.stderr}${result.stdout}`);
}

export function parseMajor(versionText: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionText);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}
