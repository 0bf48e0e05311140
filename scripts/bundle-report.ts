/**
 * `npm run bundle-report`: synthesizes the CDK app (local esbuild, as `cdk synth` does) once with
 * MSK IAM auth, once with SASL/SCRAM and once with SASL/SCRAM + Avro values (a schema registry), then prints for each function the code its deployed asset
 * loads at init (index.mjs and the chunks it imports statically) and its module-load time: the
 * median, over many fresh Node.js 22 processes, of `await import(index.mjs)` with the function's own
 * environment. Goals: <= 400 KiB at init and <= 40 ms per function, and the MSK IAM signer off the
 * load path (in IAM bundles) or absent (in the others).
 *
 * What each file holds comes from `buildBridgeBundle` (cdk/bundling/bridge-bundling.ts) run again
 * beside the synthesized asset: the build is reproducible, so the report checks that it wrote the
 * same bytes and then reads esbuild's metafile for it. A resolve hook in each child lists the
 * asset's files it loaded and any package it resolved from outside the asset (the AWS SDK is
 * bundled: there should be none). `BUNDLE_REPORT_RUNS` sets the processes per function (default 21).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { App } from 'aws-cdk-lib';
import type { Metafile } from 'esbuild';
import { addBridgeStack } from '../cdk/bridge-app.ts';
import { type BridgeBundle, buildBridgeBundle, OPENTELEMETRY_API } from '../cdk/bundling/bridge-bundling.ts';
import { FUNCTION_ENTRIES, PROJECT_ROOT } from '../cdk/paths.ts';

const RUNS = Number(process.env.BUNDLE_REPORT_RUNS ?? 21);
const SIZE_GOAL_BYTES = 400 * 1024;
const LOAD_GOAL_MS = 40;
/** Where the signer's code comes from, in esbuild's metafile. */
const SIGNER_INPUT = 'node_modules/aws-msk-iam-sasl-signer-js/';
/** Under the project's git-ignored .cache/. */
const OUT_ROOT = join(PROJECT_ROOT, '.cache', 'bundle-report');

const VARIANTS = [
  { name: 'msk-iam', auth: 'aws-iam', context: { brokerMode: 'msk-serverless' } },
  {
    name: 'sasl-scram',
    auth: 'scram-sha-512',
    context: {
      brokerMode: 'external',
      bootstrapServers: 'kafka.example.com:9096',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-AbCdEf',
    },
  },
  {
    // The SCRAM functions with Avro values from a Confluent-compatible registry: lib/schema and its
    // codec are separate chunks, loaded on the first write, so init should not grow.
    name: 'scram+avro',
    auth: 'scram-sha-512',
    context: {
      brokerMode: 'external',
      bootstrapServers: 'kafka.example.com:9096',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-AbCdEf',
      valueFormat: 'avro',
      schemaRegistryUrl: 'https://schema-registry.example.com',
      schemaRegistrySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-AbCdEf',
    },
  },
] as const;

/** Stand-ins for values CloudFormation fills in at deploy time. */
const TOKEN_VALUES: Record<string, string> = {
  KAFKA_BROKERS: 'b-1.bridge.abc123.c2.kafka.eu-west-1.amazonaws.com:9098',
  KAFKA_REGION: 'eu-west-1',
  KAFKA_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_bridge-AbCdEf',
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-AbCdEf',
};

/**
 * Runs in each child: times the import and lists the files it loaded and the bare specifiers it
 * resolved outside the bundle (Node built-ins aside).
 */
const CHILD = `
import { isBuiltin, registerHooks } from 'node:module';
const outside = new Set();
const loaded = new Set();
registerHooks({
  resolve(specifier, context, next) {
    if (!isBuiltin(specifier) && !/^(\\.|\\/|file:|node:)/.test(specifier)) outside.add(specifier);
    const result = next(specifier, context);
    if (result.url.startsWith('file:')) loaded.add(result.url);
    return result;
  },
});
const start = performance.now();
await import(process.env.BUNDLE_URL);
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ ms, outside: [...outside], loaded: [...loaded] }));
`;

interface Row {
  variant: string;
  fn: string;
  initBytes: number;
  initGzipBytes: number;
  initFiles: number;
  totalBytes: number;
  loadMs: number;
  loadMsNoMaps: number;
  outside: string[];
  signerInBundle: boolean;
  signerLoaded: boolean;
  top: string;
}

/** One synthesized function asset, before timing. */
interface Measured {
  variant: string;
  fn: string;
  asset: string;
  bundle: BridgeBundle;
  env: Record<string, string>;
  withMaps: number[];
  withoutMaps: number[];
  outside: string[];
  /** Files of the asset loaded at init, relative to it. */
  loaded: string[];
}

async function main(): Promise<void> {
  if (!process.versions.node.startsWith('22.')) {
    throw new Error(
      `run on Node.js 22 (the Lambda runtime), this is ${process.version}: PATH=$PWD/node_modules/.bin:$PATH`,
    );
  }
  const items: Measured[] = [];
  for (const variant of VARIANTS) {
    const outdir = join(OUT_ROOT, variant.name);
    rmSync(outdir, { recursive: true, force: true });
    const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: object };
    const app = new App({
      outdir,
      context: { ...cdkJson.context, ...variant.context, 'aws:cdk:enable-asset-metadata': true },
    });
    const stack = addBridgeStack(app);
    app.synth();
    const template = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.template.json`), 'utf8'));
    for (const [name, entry] of Object.entries(FUNCTION_ENTRIES)) {
      // Logical ids start with the construct id the stack gives each function.
      const resource = Object.entries(template.Resources as Record<string, Resource>).find(
        ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(idOf(name)),
      )?.[1];
      const assetPath = resource?.Metadata?.['aws:asset:path'];
      if (!resource || !assetPath) throw new Error(`no bundled asset for the ${name} function`);
      const asset = join(outdir, assetPath);
      const bundle = buildBridgeBundle({
        entry,
        outdir: join(OUT_ROOT, 'rebuilt', variant.name, name),
        withIamSigner: variant.auth === 'aws-iam',
      });
      checkSameBytes(bundle, asset);
      items.push({
        variant: variant.name,
        fn: name,
        asset,
        bundle,
        env: environmentOf(resource, name),
        withMaps: [],
        withoutMaps: [],
        outside: [],
        loaded: [],
      });
    }
  }

  // Round-robin over every bundle, so a busy moment of the machine slows all of them alike;
  // two unmeasured rounds first warm the file cache.
  const entryOf = (item: Measured) => join(item.asset, 'index.mjs');
  for (let run = -2; run < RUNS; run++) {
    for (const item of items) {
      const withMaps = loadOnce(entryOf(item), item.env);
      const withoutMaps = loadOnce(entryOf(item), { ...item.env, NODE_OPTIONS: '' });
      if (run < 0) continue;
      item.withMaps.push(withMaps.ms);
      item.withoutMaps.push(withoutMaps.ms);
      if (run === 0) {
        item.outside = withMaps.outside.sort();
        item.loaded = withMaps.loaded
          .map((url) => relative(item.asset, new URL(url).pathname))
          .filter((path) => !path.startsWith('..'))
          .sort();
      }
    }
  }

  const rows: Row[] = [];
  for (const item of items) {
    const outputs = outputsOf(item.bundle);
    const init = item.loaded.map((path) => {
      const output = outputs.get(path);
      if (!output) throw new Error(`${item.variant}/${item.fn}: loaded ${path}, which esbuild did not write`);
      return { path, output };
    });
    const code = [...outputs].filter(([path]) => !path.endsWith('.map'));
    rows.push({
      variant: item.variant,
      fn: item.fn,
      initBytes: sum(init.map(({ output }) => output.bytes)),
      initGzipBytes: sum(init.map(({ path }) => gzipSync(readFileSync(join(item.asset, path))).length)),
      initFiles: init.length,
      totalBytes: sum(code.map(([, output]) => output.bytes)),
      loadMs: median(item.withMaps),
      loadMsNoMaps: median(item.withoutMaps),
      outside: item.outside,
      signerInBundle: code.some(([, output]) => fromSigner(output)),
      signerLoaded: init.some(({ output }) => fromSigner(output)),
      top: largestInputs(init.map(({ output }) => output)),
    });
  }
  print(rows);
}

type Output = Metafile['outputs'][string];

/** The bundle's outputs by path relative to its directory. */
function outputsOf(bundle: BridgeBundle): Map<string, Output> {
  const dir = join(bundle.entry, '..');
  return new Map(
    Object.entries(bundle.metafile.outputs).map(([path, output]) => [relative(dir, path), output]),
  );
}

/** Throws unless the synthesized asset holds exactly the files and bytes `bundle` wrote. */
function checkSameBytes(bundle: BridgeBundle, asset: string): void {
  const dir = join(bundle.entry, '..');
  for (const file of bundle.files) {
    const path = relative(dir, file);
    if (!readFileSync(file).equals(readFileSync(join(asset, path)))) {
      throw new Error(
        `${asset}: ${path} differs from buildBridgeBundle's; the report would measure another build`,
      );
    }
  }
}

function fromSigner(output: Output): boolean {
  return Object.keys(output.inputs).some((input) => input.includes(SIGNER_INPUT));
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

interface Resource {
  Type: string;
  Metadata?: Record<string, string>;
  Properties: { Environment?: { Variables?: Record<string, unknown> } };
}

function idOf(name: string): string {
  return {
    webhook: 'WebhookFunction',
    sqs: 'SqsFunction',
    eventbridge: 'EventBridgeFunction',
    scheduled: 'ScheduledFunction',
  }[name] as string;
}

/** The function's environment as deployed, with stand-ins for deploy-time values. */
function environmentOf(resource: Resource, name: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'eu-west-1',
    AWS_LAMBDA_FUNCTION_NAME: `bridge-${name}`,
  };
  for (const [key, value] of Object.entries(resource.Properties.Environment?.Variables ?? {})) {
    env[key] = typeof value === 'string' ? value : (TOKEN_VALUES[key] ?? 'deploy-time-value');
  }
  return env;
}

/** One fresh process: how long `await import(bundle)` took, what it loaded and from where. */
function loadOnce(
  bundle: string,
  env: Record<string, string>,
): { ms: number; outside: string[]; loaded: string[] } {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { ...env, BUNDLE_URL: pathToFileURL(bundle).href },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { ms: number; outside: string[]; loaded: string[] };
}

/** The packages that weigh most in the files loaded at init. */
function largestInputs(outputs: readonly Output[]): string {
  const byPackage = new Map<string, number>();
  for (const output of outputs) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + input.bytesInOutput);
    }
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([pkg, size]) => `${pkg} ${(size / 1024).toFixed(0)}`)
    .join(', ');
}

function print(rows: Row[]): void {
  const kib = (bytes: number) => (bytes / 1024).toFixed(1);
  console.log(
    `\nBundles: code-split minified ESM, Node ${process.versions.node}, median of ${RUNS} fresh processes per function (load = await import, as deployed with --enable-source-maps; "no maps" without). "init" = index.mjs and the chunks it imports statically.\n`,
  );
  console.log(
    [
      'auth'.padEnd(11),
      'function'.padEnd(12),
      'KiB init'.padStart(9),
      'files'.padStart(5),
      'gzip'.padStart(6),
      'KiB all'.padStart(8),
      'load ms'.padStart(8),
      'no maps'.padStart(8),
      'IAM signer'.padEnd(24),
      'resolved outside the bundle at load',
    ].join(' '),
  );
  for (const row of rows) {
    const signer = row.signerInBundle
      ? row.signerLoaded
        ? 'in bundle, LOADED'
        : 'in a lazy chunk'
      : 'not in bundle';
    console.log(
      [
        row.variant.padEnd(11),
        row.fn.padEnd(12),
        kib(row.initBytes).padStart(9),
        String(row.initFiles).padStart(5),
        kib(row.initGzipBytes).padStart(6),
        kib(row.totalBytes).padStart(8),
        row.loadMs.toFixed(1).padStart(8),
        row.loadMsNoMaps.toFixed(1).padStart(8),
        signer.padEnd(24),
        row.outside.join(', ') || '(nothing)',
      ].join(' '),
    );
  }
  console.log('\nLargest parts at init (KiB):');
  for (const row of rows) console.log(`  ${row.variant.padEnd(11)} ${row.fn.padEnd(12)} ${row.top}`);

  const sizeMisses = rows.filter((r) => r.initBytes > SIZE_GOAL_BYTES);
  const loadMisses = rows.filter((r) => r.loadMs > LOAD_GOAL_MS);
  const signerMisses = rows.filter((r) =>
    r.variant === 'msk-iam' ? r.signerLoaded || !r.signerInBundle : r.signerInBundle,
  );
  // @opentelemetry/api is the one package left to the runtime on purpose: KAFKA_TRACING=auto
  // looks for it at init (the ADOT layer's copy), and finding none is not an error.
  const outsideMisses = rows.filter((r) => r.outside.some((specifier) => specifier !== OPENTELEMETRY_API));
  const verdict = (misses: Row[]) =>
    misses.length === 0 ? 'met' : `missed by ${misses.map((r) => `${r.variant}/${r.fn}`).join(', ')}`;
  console.log(`\nGoal: <= 400 KiB at init: ${verdict(sizeMisses)}`);
  console.log(`Goal: load <= ${LOAD_GOAL_MS} ms: ${verdict(loadMisses)}`);
  console.log(
    `Goal: IAM signer in a lazy chunk of IAM bundles, absent from the others: ${verdict(signerMisses)}`,
  );
  console.log(
    `Nothing but Node built-ins (and ${OPENTELEMETRY_API}, an optional peer) resolved outside the bundle: ${verdict(outsideMisses)}`,
  );
}

await main();
