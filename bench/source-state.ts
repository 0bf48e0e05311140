import { PROJECT_ROOT } from '../scripts/kafka/paths.ts';
import { exec } from './peers/exec.ts';

/** The commit measured, and any uncommitted change to the code that goes into the bundles. */
export async function sourceState(): Promise<{ commit: string; uncommitted: string[] }> {
  const git = async (...args: string[]) =>
    (await exec('git', ['-C', PROJECT_ROOT, ...args], { timeoutMs: 30_000 })).stdout.trim();
  const status = await git(
    'status',
    '--porcelain',
    '--',
    'lib',
    'functions',
    'cdk/bundling',
    'package-lock.json',
  );
  return { commit: await git('rev-parse', 'HEAD'), uncommitted: status ? status.split('\n') : [] };
}
