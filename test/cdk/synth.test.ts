import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCfnLint } from '../../scripts/cfn-lint/install.ts';
import { type CfnLintFinding, lintTemplates } from '../../scripts/cfn-lint/lint.ts';
import { type BundleContents, builtFrom, bundleContents, functionAssets } from './bundle-contents.ts';
import { buildBridge, IAM_MODES, MODE_NAMES, type ModeName, SHAPES, tempDir } from './support.ts';

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

  it('bundles four functions as index.mjs plus code-split chunks, with source maps', () => {
    const assets = functionAssets(synth(shape).outdir);
    expect(assets).toHaveLength(4);
    for (const asset of assets) {
      const { files } = contentsOf(asset);
      expect(files).toContain('index.mjs');
      expect(files.filter((f) => f.startsWith('chunks/')).length).toBeGreaterThan(10);
      for (const file of files) expect(existsSync(join(asset, `${file}.map`))).toBe(true);
      // Minified: a few dozen lines (license comments) for ~100 KiB.
      expect(readFileSync(join(asset, 'index.mjs'), 'utf8').split('\n').length).toBeLessThan(100);
    }
  });

  it('gives every file of a bundle its own createRequire banner, valid beside what esbuild wrote', () => {
    const files = functionAssets(synth(shape).outdir).flatMap((asset) =>
      contentsOf(asset).files.map((file) => join(asset, file)),
    );
    for (const file of files) expect(readFileSync(file, 'utf8').startsWith(BANNER)).toBe(true);
    // Parsing each file as a module fails on a second top-level `require` (or any other clash).
    const invalid = execFileSync(
      process.execPath,
      ['--experimental-vm-modules', '--no-warnings', '-e', PARSE],
      {
        input: JSON.stringify(files),
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(invalid)).toEqual([]);
  });

  it('bundles the AWS SDK: nothing but Node built-ins and the OpenTelemetry API is left to the runtime', () => {
    for (const asset of functionAssets(synth(shape).outdir)) {
      const contents = contentsOf(asset);
      // The API is an ADOT layer's (or nobody's: then tracing is off); a bundled copy would only add bytes.
      expect(contents.externals.filter((e) => !isBuiltin(e))).toEqual(['@opentelemetry/api']);
      expect(builtFrom(contents, contents.files, 'node_modules/@opentelemetry/')).toBe(false);
      expect(builtFrom(contents, contents.files, 'node_modules/@aws-sdk/client-secrets-manager/')).toBe(true);
    }
  });
});

/** The banner esbuild puts first in every output file; an ES module has no `require` of its own. */
const BANNER = "import { createRequire as __bridgeCreateRequire } from 'node:module';";

/** Parses each file of the JSON list on stdin as an ES module; prints those that fail, with why. */
const PARSE = `
const { readFileSync } = require('node:fs');
const { SourceTextModule } = require('node:vm');
const invalid = [];
for (const file of JSON.parse(readFileSync(0, 'utf8'))) {
  try { new SourceTextModule(readFileSync(file, 'utf8'), { identifier: file }); }
  catch (error) { invalid.push(file + ': ' + error.message); }
}
process.stdout.write(JSON.stringify(invalid));
`;

const contents = new Map<string, BundleContents>();

/** An asset's contents, read once. */
function contentsOf(asset: string): BundleContents {
  let found = contents.get(asset);
  if (!found) {
    found = bundleContents(asset);
    contents.set(asset, found);
  }
  return found;
}

/**
 * What each bundle may load at init: the Secrets Manager client, the signer and the webhook's
 * deduplication (Powertools Idempotency, the DynamoDB client) are first-use only.
 */
const LAZY = [
  'node_modules/@aws-sdk/client-secrets-manager/',
  'node_modules/@aws-sdk/client-dynamodb/',
  'node_modules/@aws-sdk/util-dynamodb/',
  'node_modules/@aws-lambda-powertools/idempotency/',
  'node_modules/@aws-sdk/client-s3/',
  'node_modules/aws-msk-iam-sasl-signer-js/',
  'node_modules/@aws-sdk/credential-providers/',
  'cdk/bundling/msk-iam-signer-stub.ts',
  // The OpenTelemetry adapter: imported only once @opentelemetry/api has loaded.
  'lib/tracing/',
  // Schema serialization: imported on the first write of a function whose KAFKA_VALUE_FORMAT is not raw.
  'lib/lambda/schema-serializer.ts',
  'lib/schema/create-value-serializer.ts',
  'lib/schema/formats/',
  'lib/schema/registry/',
  'node_modules/avsc/',
  'node_modules/@cfworker/json-schema/',
  'node_modules/protobufjs/',
  'node_modules/@aws-sdk/client-glue/',
];

describe.each(MODE_NAMES)('bundles: %s', (mode: ModeName) => {
  const iam = IAM_MODES.includes(mode);

  it('loads neither the Secrets Manager or DynamoDB clients nor the MSK IAM signer at init, only by dynamic import', () => {
    for (const asset of functionAssets(synth(mode).outdir)) {
      const contents = contentsOf(asset);
      expect(LAZY.filter((fragment) => builtFrom(contents, contents.atInit, fragment))).toEqual([]);
      // In the asset all the same, for the first invocation that needs them.
      expect(builtFrom(contents, contents.files, 'node_modules/@aws-sdk/client-secrets-manager/')).toBe(true);
    }
  });

  it(
    iam
      ? 'carries the MSK IAM signer with node:crypto SHA-256 (not the pure-JS one)'
      : 'carries the signer stub and none of the MSK IAM signer',
    () => {
      for (const asset of functionAssets(synth(mode).outdir)) {
        const contents = contentsOf(asset);
        const from = (fragment: string) => builtFrom(contents, contents.files, fragment);
        expect(from('node_modules/aws-msk-iam-sasl-signer-js/')).toBe(iam);
        expect(from('node_modules/@aws-sdk/credential-providers/')).toBe(iam);
        expect(from('cdk/bundling/sha256-node.ts')).toBe(iam);
        expect(from('cdk/bundling/msk-iam-signer-stub.ts')).toBe(!iam);
        expect(from('node_modules/@aws-crypto/sha256-js/')).toBe(false);
      }
    },
  );

  it('carries lib/schema, its codecs and the Glue client in chunks, for a function configured with a schema', () => {
    for (const asset of functionAssets(synth(mode).outdir)) {
      const contents = contentsOf(asset);
      for (const fragment of [
        'lib/schema/create-value-serializer.ts',
        'node_modules/avsc/',
        'node_modules/@cfworker/json-schema/',
        'node_modules/protobufjs/',
        'node_modules/@aws-sdk/client-glue/',
      ]) {
        expect(builtFrom(contents, contents.files, fragment), fragment).toBe(true);
      }
    }
  });

  it('replaces the zstd WASM fallback with its stub', () => {
    for (const asset of functionAssets(synth(mode).outdir)) {
      const contents = contentsOf(asset);
      expect(builtFrom(contents, contents.files, 'cdk/bundling/zstd-wasm-stub.ts')).toBe(true);
      expect(builtFrom(contents, contents.files, 'node_modules/@bokuweb/zstd-wasm/')).toBe(false);
    }
  });
});
