/** Module-load time of a built handler: import it in fresh Node processes, as a Lambda init does. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../peers/exec.ts';

/**
 * The child: time from before `import()` of the handler to after it (module load plus the
 * handler's init: config read and validated, middy and Powertools set up). Then, untimed by that
 * first number, the modules the handler imports only at its first invocation (given after the
 * handler: bare SDK package names, resolved from node_modules as the runtime's copy would be, or
 * code-split chunks), one after the other, as that invocation would.
 */
const RUNNER = `const start = performance.now();
const module = await import(process.argv[2]);
const importMs = performance.now() - start;
if (typeof module.handler !== 'function') throw new Error('no handler export');
const firstUseStart = performance.now();
for (const lazy of process.argv.slice(3)) await import(lazy);
const firstUseMs = performance.now() - firstUseStart;
process.stdout.write(JSON.stringify({ importMs, firstUseMs, sinceProcessStartMs: performance.now() }));
`;

/** What one fresh process measured. */
export interface LoadSample {
  importMs: number;
  /** Loading the modules deferred to the first invocation, after init (0 when none were given). */
  firstUseMs: number;
  sinceProcessStartMs: number;
}

/**
 * Writes the runner next to the builds and returns its path. It must be under the project, so a
 * bare package name it imports resolves from the project's node_modules.
 */
export async function writeRunner(dir: string): Promise<string> {
  const path = join(dir, 'runner.mjs');
  await writeFile(path, RUNNER);
  return path;
}

/**
 * Imports `entry` in a new Node process with `env` (and nothing else from ours that could matter),
 * then the `firstUse` modules.
 */
export async function loadOnce(
  runner: string,
  entry: string,
  env: Record<string, string>,
  firstUse: readonly string[] = [],
): Promise<LoadSample> {
  const { stdout } = await exec(process.execPath, [runner, entry, ...firstUse], { env, timeoutMs: 60_000 });
  return JSON.parse(stdout) as LoadSample;
}
