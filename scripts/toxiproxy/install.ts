import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CACHE_DIR, TOXIPROXY_VERSION } from './paths.ts';

const run = promisify(execFile);
const MODULE = 'github.com/Shopify/toxiproxy/v2/cmd/server';

/** Where the pinned toxiproxy-server binary lives once built. */
export const TOXIPROXY_SERVER_PATH = join(CACHE_DIR, `toxiproxy-server-${TOXIPROXY_VERSION}`);

let built: Promise<string> | undefined;

/**
 * Builds the pinned toxiproxy-server with `go install` (first call only) and returns its path.
 * Each build goes to a private GOBIN and is renamed into place: two test files building at once
 * both finish with a whole binary, and neither ever runs a half-written one.
 */
export function ensureToxiproxy(): Promise<string> {
  built ??= build().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}

async function build(): Promise<string> {
  if (existsSync(TOXIPROXY_SERVER_PATH)) return TOXIPROXY_SERVER_PATH;
  await mkdir(CACHE_DIR, { recursive: true });
  const gobin = await mkdtemp(join(CACHE_DIR, 'build-'));
  try {
    await run('go', ['install', `${MODULE}@${TOXIPROXY_VERSION}`], {
      // A temporary cwd: no go.mod of the project (test/peers) may take part in the build.
      cwd: gobin,
      env: { ...process.env, GOBIN: gobin, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim() },
      timeout: 600_000,
    });
    await rename(join(gobin, 'server'), TOXIPROXY_SERVER_PATH);
    return TOXIPROXY_SERVER_PATH;
  } catch (error) {
    const detail =
      (error as { code?: string; stderr?: string }).code === 'ENOENT'
        ? '`go` is not installed: install Go (https://go.dev/dl/) and put it on PATH'
        : ((error as { stderr?: string }).stderr ?? (error as Error).message);
    throw new Error(`building toxiproxy-server ${TOXIPROXY_VERSION} failed: ${detail}`, { cause: error });
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}
