import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A Go command built from the module proxy. */
export interface GoTool {
  /** Package path of the command, e.g. github.com/Shopify/toxiproxy/v2/cmd/server. */
  readonly module: string;
  /** The pinned version. */
  readonly version: string;
  /** Where the binary is kept (in a git-ignored cache); built only when missing. */
  readonly binary: string;
  /** Names the tool in errors. */
  readonly name: string;
}

/**
 * Builds a pinned Go command with `go install` unless its binary exists, and returns the path.
 * Each build goes to a private GOBIN and is renamed into place: two test files building at once
 * both finish with a whole binary, and neither ever runs a half-written one.
 */
export async function goInstall(tool: GoTool): Promise<string> {
  if (existsSync(tool.binary)) return tool.binary;
  await mkdir(dirname(tool.binary), { recursive: true });
  const gobin = await mkdtemp(join(dirname(tool.binary), 'build-'));
  try {
    await run('go', ['install', `${tool.module}@${tool.version}`], {
      // A temporary cwd: no go.mod of the project (test/peers) may take part in the build.
      cwd: gobin,
      env: { ...process.env, GOBIN: gobin, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim() },
      timeout: 600_000,
    });
    await rename(join(gobin, tool.module.split('/').at(-1) as string), tool.binary);
    return tool.binary;
  } catch (error) {
    const detail =
      (error as { code?: string }).code === 'ENOENT'
        ? '`go` is not installed: install Go (https://go.dev/dl/) and put it on PATH'
        : ((error as { stderr?: string }).stderr ?? (error as Error).message);
    throw new Error(`building ${tool.name} ${tool.version} failed: ${detail}`, { cause: error });
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}

/** `goInstall` once per process: concurrent callers share one build, a failed one is retried. */
export function goInstallOnce(tool: GoTool): () => Promise<string> {
  let built: Promise<string> | undefined;
  return () => {
    built ??= goInstall(tool).catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}
