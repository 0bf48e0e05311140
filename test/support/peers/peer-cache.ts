import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../scripts/kafka/paths.ts';

/** Where peer programs live, and where their builds are cached (git-ignored). */
export const PEERS_DIR = join(PROJECT_ROOT, 'test', 'peers');
export const PEER_CACHE_DIR = join(PROJECT_ROOT, '.cache', 'peers');

/** A short digest of the given files: a build is reused only while its sources are unchanged. */
export async function sourceDigest(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) hash.update(path).update(await readFile(path));
  return hash.digest('hex').slice(0, 16);
}
