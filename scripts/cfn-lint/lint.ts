import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureCfnLint } from './install.ts';

const run = promisify(execFile);

/** One cfn-lint finding, as its JSON output gives it. */
export interface CfnLintFinding {
  /** `Error`, `Warning` or `Informational`. */
  level: string;
  /** Rule id, e.g. `E3002`. */
  rule: string;
  message: string;
  file: string;
  /** `Resources/<logical id>/...` */
  path: string;
}

interface RawFinding {
  Level: string;
  Message: string;
  Filename: string;
  Rule: { Id: string };
  Location: { Path?: (string | number)[] };
}

/**
 * Lints CloudFormation templates with the project's pinned cfn-lint (installed on first use) and
 * returns every finding. cfn-lint's exit code is a bit mask of the levels found (2 error,
 * 4 warning, 8 informational), so only other codes mean cfn-lint itself failed.
 */
export async function lintTemplates(
  templates: readonly string[],
  regions = ['us-east-1'],
): Promise<CfnLintFinding[]> {
  const cfnLint = await ensureCfnLint();
  const args = ['--format', 'json', '--regions', ...regions, '--', ...templates];
  let stdout: string;
  try {
    ({ stdout } = await run(cfnLint, args, { maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number' || (failed.code & ~0b1110) !== 0 || failed.stdout === undefined) {
      throw new Error(`cfn-lint failed (exit ${failed.code}): ${failed.stderr ?? String(error)}`, {
        cause: error,
      });
    }
    stdout = failed.stdout;
  }
  const raw = JSON.parse(stdout === '' ? '[]' : stdout) as RawFinding[];
  return raw.map((finding) => ({
    level: finding.Level,
    rule: finding.Rule.Id,
    message: finding.Message,
    file: finding.Filename,
    path: (finding.Location.Path ?? []).join('/'),
  }));
}
