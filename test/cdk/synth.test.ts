import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCfnLint } from '../../scripts/cfn-lint/install.ts';
import { type CfnLintFinding, lintTemplates } from '../../scripts/cfn-lint/lint.ts';
import { buildBridge, IAM_MODES, MODE_NAMES, MODES, type ModeName, tempDir } from './support.ts';

/** One extra shape on top of MODES: every optional feature on, so each is linted and nagged too. */
const SHAPES: Record<string, Readonly<Record<string, string>>> = {
  ...MODES,
  'msk-provisioned (iam+scram, S3 source, idempotent, auto-create, FIFO)': {
    brokerMode: 'msk-provisioned',
    mskAuth: 'iam,scram',
    scheduleSource: 's3://bridge-input/ndjson/',
    idempotent: 'true',
    autoCreateTopics: 'true',
    sqsFifo: 'true',
  },
};

interface Synthesized {
  outdir: string;
  template: string;
  /** Violations in CDK's validation report (cdk-nag's AwsSolutions and Serverless packs). */
  violations: string[];
}

const synthesized = new Map<string, Synthesized>();

/**
 * Synthesizes a shape as `cdk synth` does, esbuild bundling included, into a temporary cloud
 * assembly. A finding cdk-nag reports without an acknowledgement makes `synth()` throw; the
 * report is read as well so the test names the findings.
 */
function synth(shape: string): Synthesized {
  const done = synthesized.get(shape);
  if (done) return done;
  throw new Error(`${shape} was not synthesized in beforeAll`);
}

beforeAll(async () => {
  // The project's own setup: cfn-lint from PyPI into .venv/cfn-lint (only the first run installs).
  await ensureCfnLint();
  for (const [shape, context] of Object.entries(SHAPES)) {
    const outdir = await tempDir('bridge-synth-');
    const { app, stack } = buildBridge(context, { bundle: true, outdir });
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    const reportPath = join(outdir, 'validation-report.json');
    const report = existsSync(reportPath)
      ? (JSON.parse(readFileSync(reportPath, 'utf8')) as {
          pluginReports: {
            violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
          }[];
        })
      : { pluginReports: [] };
    const violations = report.pluginReports.flatMap((p) =>
      p.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`)),
    );
    if (error && violations.length === 0) throw error;
    synthesized.set(shape, { outdir, template: join(outdir, stack.templateFile), violations });
  }
}, 600_000);

afterAll(() => {
  for (const { outdir } of synthesized.values()) rmSync(outdir, { recursive: true, force: true });
});

describe.each(Object.keys(SHAPES))('synth: %s', (shape) => {
  it('synthesizes offline with local esbuild bundling', () => {
    expect(existsSync(synth(shape).template)).toBe(true);
  });

  it('has zero unacknowledged cdk-nag findings (AwsSolutions and Serverless)', () => {
    expect(synth(shape).violations).toEqual([]);
  });

  it('passes cfn-lint with zero errors', async () => {
    const findings = await lintTemplates([synth(shape).template]);
    const errors = findings.filter((f: CfnLintFinding) => f.level === 'Error');
    expect(errors.map((e) => `${e.rule} ${e.path}: ${e.message}`)).toEqual([]);
  });

  it('bundles four functions as minified ES modules with source maps', () => {
    const { outdir } = synth(shape);
    const bundles = readdirSync(outdir)
      .filter((dir) => existsSync(join(outdir, dir, 'index.mjs')))
      .map((dir) => join(outdir, dir, 'index.mjs'));
    expect(bundles).toHaveLength(4);
    for (const bundle of bundles) {
      const text = readFileSync(bundle, 'utf8');
      expect(existsSync(`${bundle}.map`)).toBe(true);
      // The banner esbuild puts first; an ES module has no `require` of its own.
      expect(text.startsWith("import { createRequire as __bridgeCreateRequire } from 'node:module';")).toBe(
        true,
      );
      // Minified: a few dozen lines (license comments) for ~400 KiB.
      expect(text.split('\n').length).toBeLessThan(100);
    }
  });
});

describe.each(MODE_NAMES)('bundles: %s', (mode: ModeName) => {
  const iam = IAM_MODES.includes(mode);

  it(
    iam ? 'carries the MSK IAM signer (with node:crypto SHA-256)' : 'carries none of the MSK IAM signer',
    () => {
      const { outdir } = synth(mode);
      for (const dir of readdirSync(outdir).filter((d) => existsSync(join(outdir, d, 'index.mjs')))) {
        const text = readFileSync(join(outdir, dir, 'index.mjs'), 'utf8');
        // The signer's user agent; the pure-JS SHA-256's error text.
        expect(text.includes('aws-msk-iam-sasl-signer-js/')).toBe(iam);
        expect(text).not.toContain('Attempted to update an already finished hash');
      }
    },
  );
});
