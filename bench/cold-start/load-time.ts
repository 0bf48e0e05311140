/** Module-load time of a built handler: import it in fresh Node processes, as a Lambda init does. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../peers/exec.ts';

/**
 * The child: time from before `import()` to after it (module load plus the handler's init: config
 * read and validated, middy and Powertools set up), plus how long the process had been up by then.
 */
const RUNNER = `const start = performance.now();
const module = await import(process.argv[2]);
const importMs = performance.now() - start;
if (typeof module.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ importMs, sinceProcessStartMs: performance.now() }));
`;

/** What one fresh process measured. */
export interface LoadSample {
  importMs: number;
  sinceProcessStartMs: number;
}

/** Writes the runner next to the builds and returns its path. */
export async function writeRunner(dir: string): Promise<string> {
  const path = join(dir, 'runner.mjs');
  await writeFile(path, RUNNER);
  return path;
}

/** Imports `entry` in a new Node process with `env` (and nothing else from ours that could matter). */
export async function loadOnce(
  runner: string,
  entry: string,
  env: Record<string, string>,
): Promise<LoadSample> {
  const { stdout } = await exec(process.execPath, [runner, entry], { env, timeoutMs: 60_000 });
  return JSON.parse(stdout) as LoadSample;
}
