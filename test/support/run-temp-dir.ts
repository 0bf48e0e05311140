import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string | undefined;

/**
 * Gives the run a temp folder of its own and points TMPDIR at it, so what tests and libraries put
 * under os.tmpdir() (each CDK App without an outdir synthesizes into a fresh `cdk.out*` there)
 * goes with the run instead of piling up in /tmp across runs.
 */
export function setup(): void {
  dir = mkdtempSync(join(tmpdir(), 'kafka-lambda-bridge-test-'));
  process.env.TMPDIR = dir;
}

export function teardown(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
