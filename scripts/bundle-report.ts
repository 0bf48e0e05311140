/**
 * `npm run bundle-report`: synthesizes the CDK app (local esbuild, as `cdk synth` does) once with
 * MSK IAM auth and once with SASL/SCRAM, then prints each function's minified bundle size and its
 * module-load time: the median, over many fresh Node.js 22 processes, of `await import(bundle)`
 * with the function's own environment. Goals: <= 400 KiB and <= 40 ms per function, and the MSK
 * IAM signer off the load path unless the function authenticates with IAM.
 *
 * Externals (the AWS SDK v3, which the nodejs22.x runtime provides) resolve from the project's
 * node_modules, standing in for the runtime's copy, so their load cost is counted when a handler
 * imports one at load time. A resolve hook in each child lists the packages loaded from outside
 * the bundle. `BUNDLE_REPORT_RUNS` sets the processes per function (default 21).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { App } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { addBridgeStack } from '../cdk/bridge-app.ts';
import { bridgeBundling } from '../cdk/bundling/bridge-bundling.ts';
import { FUNCTION_ENTRIES, PROJECT_ROOT } from '../cdk/paths.ts';

const RUNS = Number(process.env.BUNDLE_REPORT_RUNS ?? 21);
const SIZE_GOAL_BYTES = 400 * 1024;
const LOAD_GOAL_MS = 40;
/** A string only the signer's code holds (its user agent), to tell whether a bundle carries it. */
const SIGNER_MARK = 'aws-msk-iam-sasl-signer-js/';
/** Under the project, so bare imports of externals resolve through its node_modules. */
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
] as const;

/** Stand-ins for values CloudFormation fills in at deploy time. */
const TOKEN_VALUES: Record<string, string> = {
  KAFKA_BROKERS: 'b-1.bridge.abc123.c2.kafka.eu-west-1.amazonaws.com:9098',
  KAFKA_REGION: 'eu-west-1',
  KAFKA_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_bridge-AbCdEf',
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-AbCdEf',
};

/** Runs in each child: times the import and lists the bare specifiers resolved outside the bundle. */
const CHILD = `
import { isBuiltin, registerHooks } from 'node:module';
const outside = new Set();
registerHooks({
  resolve(specifier, context, next) {
    if (!isBuiltin(specifier) && !/^(\\.|\\/|file:|node:)/.test(specifier)) outside.add(specifier);
    return next(specifier, context);
  },
});
const start = performance.now();
await import(process.env.BUNDLE_URL);
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ ms, outside: [...outside] }));
`;

interface Row {
  variant: string;
  fn: string;
  bytes: number;
  gzipBytes: number;
  loadMs: number;
  loadMsNoMaps: number;
  outside: string[];
  signerInBundle: boolean;
  signerLoaded: boolean;
  top: string;
}

/** One synthesized function bundle, before timing. */
interface Measured {
  variant: string;
  fn: string;
  entry: string;
  iam: boolean;
  bundle: string;
  env: Record<string, string>;
  withMaps: number[];
  withoutMaps: number[];
  outside: string[];
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
      items.push({
        variant: variant.name,
        fn: name,
        entry,
        iam: variant.auth === 'aws-iam',
        bundle: join(outdir, assetPath, 'index.mjs'),
        env: environmentOf(resource, name),
        withMaps: [],
        withoutMaps: [],
        outside: [],
      });
    }
  }

  // Round-robin over every bundle, so a busy moment of the machine slows all of them alike;
  // two unmeasured rounds first warm the file cache.
  for (let run = -2; run < RUNS; run++) {
    for (const item of items) {
      const withMaps = loadOnce(item.bundle, item.env);
      const withoutMaps = loadOnce(item.bundle, { ...item.env, NODE_OPTIONS: '' });
      if (run < 0) continue;
      item.withMaps.push(withMaps.ms);
      item.withoutMaps.push(withoutMaps.ms);
      if (run === 0) item.outside = withMaps.outside.sort();
    }
  }

  const rows: Row[] = [];
  for (const item of items) {
    const text = readFileSync(item.bundle, 'utf8');
    const bytes = statSync(item.bundle).size;
    rows.push({
      variant: item.variant,
      fn: item.fn,
      bytes,
      gzipBytes: gzipSync(text).length,
      loadMs: median(item.withMaps),
      loadMsNoMaps: median(item.withoutMaps),
      outside: item.outside,
      signerInBundle: text.includes(SIGNER_MARK),
      // The signer's own code requires the SDK's credential providers first thing when it runs.
      signerLoaded: item.outside.some(
        (s) => s === 'aws-msk-iam-sasl-signer-js' || s.startsWith('@aws-sdk/credential-provider'),
      ),
      top: await largestInputs(item.entry, item.iam, bytes),
    });
  }
  print(rows);
}

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

/** One fresh process: how long `await import(bundle)` took, and what it loaded from outside. */
function loadOnce(bundle: string, env: Record<string, string>): { ms: number; outside: string[] } {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { ...env, BUNDLE_URL: pathToFileURL(bundle).href },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { ms: number; outside: string[] };
}

/**
 * The packages that weigh most in a bundle, from an esbuild build with the functions' own options
 * (the same bytes as the synthesized asset, which the check below confirms).
 */
async function largestInputs(entry: string, withIamSigner: boolean, expectedBytes: number): Promise<string> {
  const options = bridgeBundling(withIamSigner);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: options.target,
    minify: options.minify,
    mainFields: options.mainFields,
    external: options.externalModules,
    banner: { js: options.banner ?? '' },
    alias: Object.fromEntries(
      ((options.esbuildArgs?.['--alias'] ?? []) as string[]).map(
        (item) => item.split('=') as [string, string],
      ),
    ),
    metafile: true,
    write: false,
    outfile: 'index.mjs',
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
  const byPackage = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + input.bytesInOutput);
  }
  const bytes = output?.bytes ?? 0;
  // The synthesized asset also carries the source-map comment; allow for it.
  const drift = Math.abs(bytes - expectedBytes) > 200 ? ` (esbuild check: ${bytes} B)` : '';
  return (
    [...byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([pkg, size]) => `${pkg} ${(size / 1024).toFixed(0)}`)
      .join(', ') + drift
  );
}

function print(rows: Row[]): void {
  const kib = (bytes: number) => (bytes / 1024).toFixed(1);
  console.log(
    `\nBundles: minified ESM, Node ${process.versions.node}, median of ${RUNS} fresh processes per function (load = await import, as deployed with --enable-source-maps; "no maps" without).\n`,
  );
  console.log(
    [
      'auth'.padEnd(11),
      'function'.padEnd(12),
      'KiB'.padStart(6),
      'gzip'.padStart(6),
      'load ms'.padStart(8),
      'no maps'.padStart(8),
      'IAM signer'.padEnd(24),
      'loaded from outside the bundle at load',
    ].join(' '),
  );
  for (const row of rows) {
    const signer = row.signerInBundle
      ? row.signerLoaded
        ? 'in bundle, LOADED'
        : 'in bundle, not loaded'
      : 'not in bundle';
    console.log(
      [
        row.variant.padEnd(11),
        row.fn.padEnd(12),
        kib(row.bytes).padStart(6),
        kib(row.gzipBytes).padStart(6),
        row.loadMs.toFixed(1).padStart(8),
        row.loadMsNoMaps.toFixed(1).padStart(8),
        signer.padEnd(24),
        row.outside.join(', ') || '(nothing)',
      ].join(' '),
    );
  }
  console.log('\nLargest parts (KiB in the bundle):');
  for (const row of rows) console.log(`  ${row.variant.padEnd(11)} ${row.fn.padEnd(12)} ${row.top}`);

  const sizeMisses = rows.filter((r) => r.bytes > SIZE_GOAL_BYTES);
  const loadMisses = rows.filter((r) => r.loadMs > LOAD_GOAL_MS);
  const signerMisses = rows.filter((r) =>
    r.variant === 'msk-iam' ? r.signerLoaded : r.signerInBundle || r.signerLoaded,
  );
  const verdict = (misses: Row[]) =>
    misses.length === 0 ? 'met' : `missed by ${misses.map((r) => `${r.variant}/${r.fn}`).join(', ')}`;
  console.log(`\nGoal: bundle <= 400 KiB: ${verdict(sizeMisses)}`);
  console.log(`Goal: load <= ${LOAD_GOAL_MS} ms: ${verdict(loadMisses)}`);
  console.log(`Goal: IAM signer off the load path (and out of non-IAM bundles): ${verdict(signerMisses)}`);
}

await main();
