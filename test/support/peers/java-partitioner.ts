import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureKafkaJars } from '../../../scripts/kafka/install.ts';
import { keyLines, type ParityKey } from './parity-keys.ts';
import { PEER_CACHE_DIR, PEERS_DIR, sourceDigest } from './peer-cache.ts';
import { runPeer } from './run-peer.ts';

const SOURCE = join(PEERS_DIR, 'java', 'ProducePartitions.java');
const JAVA_HINT = 'install a JDK 17+ (Debian: apt-get install openjdk-17-jdk-headless)';

let compiled: Promise<{ classpath: string }> | undefined;

/**
 * Compiles test/peers/java/ProducePartitions.java with `javac` against the Kafka jars (resolved
 * by `ensureKafkaJars()`) once per source change, into .cache/peers. Returns the run classpath.
 */
export function compileJavaPeer(): Promise<{ classpath: string }> {
  compiled ??= (async () => {
    const libs = await ensureKafkaJars();
    const jars = join(libs, '*');
    const classes = join(PEER_CACHE_DIR, `java-${await sourceDigest([SOURCE])}`);
    const classpath = `${jars}:${classes}`;
    if (existsSync(join(classes, '.complete'))) return { classpath };
    const partial = `${classes}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    await runPeer('javac', { args: ['-cp', jars, '-d', partial, SOURCE], installHint: JAVA_HINT });
    await writeFile(join(partial, '.complete'), '');
    await rm(classes, { recursive: true, force: true });
    await rename(partial, classes);
    return { classpath };
  })().catch((error: unknown) => {
    compiled = undefined;
    throw error;
  });
  return compiled;
}

/** Options of {@link javaProducedPartitions}. */
export interface JavaProduceOptions {
  brokers: readonly string[];
  topics: readonly string[];
  /** Non-nil keys only: the Java client spreads nil keys with sticky batches. */
  keys: readonly Buffer[];
}

/**
 * Produces every key to every topic with the real Java client (`KafkaProducer`, default
 * partitioner, acks=all) and returns, per topic, the partition each key's record was
 * acknowledged on, index-aligned with `keys`.
 */
export async function javaProducedPartitions(options: JavaProduceOptions): Promise<Map<string, number[]>> {
  const { classpath } = await compileJavaPeer();
  const { stdout } = await runPeer('java', {
    args: ['-cp', classpath, 'ProducePartitions', options.brokers.join(','), ...options.topics],
    stdin: keyLines(options.keys as readonly ParityKey[]),
    installHint: JAVA_HINT,
  });
  const result = new Map<string, number[]>(options.topics.map((topic) => [topic, []]));
  for (const line of stdout.toString('utf8').split('\n')) {
    if (line === '') continue;
    const [topic, index, partition] = line.split('\t');
    const partitions = result.get(topic as string);
    if (partitions === undefined || Number(index) !== partitions.length) {
      throw new Error(`unexpected Java peer line "${line}"`);
    }
    partitions.push(Number(partition));
  }
  for (const [topic, partitions] of result) {
    if (partitions.length !== options.keys.length) {
      throw new Error(
        `Java peer reported ${partitions.length} of ${options.keys.length} records for ${topic}`,
      );
    }
  }
  return result;
}
