import { join } from 'node:path';
import { copyMavenDependencies } from '../../../scripts/setup/maven-install.ts';
import { compileJavaPeer, JAVA_HINT } from './java-build.ts';
import { PEER_CACHE_DIR, PEERS_DIR, sourceDigest } from './peer-cache.ts';
import { runPeer } from './run-peer.ts';

const POM = join(PEERS_DIR, 'bakdata', 'pom.xml');
const SOURCE = join(PEERS_DIR, 'bakdata', 'ReadLargeMessages.java');

let built: Promise<string> | undefined;

/**
 * Resolves bakdata's kafka-large-message-serde and the Kafka client (test/peers/bakdata/pom.xml)
 * into .cache/peers/bakdata-libs-<pom digest> with `mvn`, and compiles ReadLargeMessages.java
 * against them; each only when missing. Returns the run classpath.
 */
export function buildBakdataReader(): Promise<string> {
  built ??= (async () => {
    const libs = join(PEER_CACHE_DIR, `bakdata-libs-${await sourceDigest([POM])}`);
    await copyMavenDependencies(POM, libs, "bakdata's kafka-large-message-serde");
    return compileJavaPeer('bakdata-reader', SOURCE, libs, [POM]);
  })().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}

/** Where bakdata's reader finds S3, and with which credentials. */
export interface BakdataS3 {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** One record's value as bakdata's LargeMessageDeserializer returned it. */
export interface BakdataDecodedValue {
  partition: number;
  offset: number;
  /** null for a null value. */
  length: number | null;
  sha256: string | null;
}

/**
 * Reads the first `count` records of `topic` with a KafkaConsumer whose value deserializer is
 * bakdata's `LargeMessageDeserializer` (over the byte-array serde), and returns the length and
 * SHA-256 of each decoded value, in partition then offset order. Rejects with the Java stack
 * trace when bakdata cannot decode a record.
 */
export async function readWithBakdata(
  brokers: readonly string[],
  topic: string,
  count: number,
  s3: BakdataS3,
): Promise<BakdataDecodedValue[]> {
  const classpath = await buildBakdataReader();
  const { stdout } = await runPeer('java', {
    args: [
      '-cp',
      classpath,
      'ReadLargeMessages',
      brokers.join(','),
      topic,
      String(count),
      s3.endpoint,
      s3.region,
      s3.accessKeyId,
      s3.secretAccessKey,
    ],
    installHint: JAVA_HINT,
  });
  return stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [partition, offset, length, sha256] = line.split('\t');
      if (sha256 === undefined) throw new Error(`unexpected bakdata peer line "${line}"`);
      return {
        partition: Number(partition),
        offset: Number(offset),
        length: length === '-1' ? null : Number(length),
        sha256: sha256 === '-' ? null : sha256,
      };
    });
}
