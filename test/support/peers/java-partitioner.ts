import { join } from 'node:path';
import { ensureKafkaJars } from '../../../scripts/kafka/install.ts';
import { compileJavaPeer, JAVA_HINT } from './java-build.ts';
import { keyLines, type ParityKey } from './parity-keys.ts';
import { PEERS_DIR } from './peer-cache.ts';
import { runPeer } from './run-peer.ts';

const SOURCE = join(PEERS_DIR, 'java', 'ProducePartitions.java');

let compiled: Promise<{ classpath: string }> | undefined;

/**
 * Compiles test/peers/java/ProducePartitions.java against the Kafka jars (resolved by
 * `ensureKafkaJars()`) once per source change. Returns the run classpath.
 */
function compileJavaPartitioner(): Promise<{ classpath: string }> {
  compiled ??= (async () => {
    const classpath = await compileJavaPeer('java', SOURCE, await ensureKafkaJars());
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
  const { classpath } = await compileJavaPartitioner();
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
