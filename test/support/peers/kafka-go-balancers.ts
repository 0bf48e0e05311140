import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { keyLines, type ParityKey } from './parity-keys.ts';
import { PEER_CACHE_DIR, PEERS_DIR, sourceDigest } from './peer-cache.ts';
import { runPeer } from './run-peer.ts';

const SOURCE_DIR = join(PEERS_DIR, 'kafka-go');
const GO_HINT = 'install Go (https://go.dev/dl/) and put `go` on PATH; the module proxy must be reachable';

/** The partitions kafka-go's four hashing balancers chose for one key. */
export interface KafkaGoChoice {
  hash: number;
  referenceHash: number;
  crc32: number;
  murmur2: number;
}

let built: Promise<string> | undefined;

/**
 * Builds test/peers/kafka-go once per source change into .cache/peers and returns the binary.
 * The first build downloads github.com/segmentio/kafka-go through the Go module proxy.
 */
export function buildKafkaGoPeer(): Promise<string> {
  built ??= (async () => {
    const digest = await sourceDigest(['main.go', 'go.mod', 'go.sum'].map((file) => join(SOURCE_DIR, file)));
    const binary = join(PEER_CACHE_DIR, `kafka-go-balancers-${digest}`);
    if (existsSync(binary)) return binary;
    await mkdir(PEER_CACHE_DIR, { recursive: true });
    const partial = `${binary}.partial`;
    await runPeer('go', {
      args: ['build', '-o', partial, '.'],
      cwd: SOURCE_DIR,
      installHint: GO_HINT,
      timeoutMs: 300_000,
    });
    await rename(partial, binary);
    return binary;
  })().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}

/**
 * Asks kafka-go's own `Hash`, `ReferenceHash`, `CRC32Balancer` and `Murmur2Balancer` where each
 * key goes, for each partition count. Result: count -> one choice per key, index-aligned. One
 * balancer of each kind per count sees the keys in order, like a fresh balancer of ours.
 */
export async function kafkaGoPartitions(
  keys: readonly ParityKey[],
  partitionCounts: readonly number[],
): Promise<Map<number, KafkaGoChoice[]>> {
  const binary = await buildKafkaGoPeer();
  const { stdout } = await runPeer(binary, {
    args: partitionCounts.map(String),
    stdin: keyLines(keys),
    installHint: GO_HINT,
  });
  const result = new Map<number, KafkaGoChoice[]>(partitionCounts.map((count) => [count, []]));
  for (const line of stdout.toString('utf8').split('\n')) {
    if (line === '') continue;
    const [count, index, hash, referenceHash, crc32, murmur2] = line.split('\t').map(Number);
    const choices = result.get(count as number);
    if (choices === undefined || index !== choices.length)
      throw new Error(`unexpected kafka-go peer line "${line}"`);
    choices.push({
      hash: hash as number,
      referenceHash: referenceHash as number,
      crc32: crc32 as number,
      murmur2: murmur2 as number,
    });
  }
  for (const [count, choices] of result) {
    if (choices.length !== keys.length) {
      throw new Error(
        `kafka-go peer answered ${choices.length} of ${keys.length} keys for ${count} partitions`,
      );
    }
  }
  return result;
}
