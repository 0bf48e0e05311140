/**
 * The builds cold-start.ts compares, per function: the bundle cdk/ deploys (`buildBridgeBundle`,
 * cdk/bundling/bridge-bundling.ts, the function the construct runs), the same in one file with the
 * AWS SDK inside or left to the runtime (the deployment before code splitting), and a naive build
 * (the project's code transpiled, every package loaded from node_modules as installed).
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { buildBridgeBundle } from '../../cdk/bundling/bridge-bundling.ts';

/** One built handler. */
export interface Built {
  /** The file Lambda would import. */
  entry: string;
  metafile: Metafile;
  /** Bytes of every JavaScript output file (the deployment package's code). */
  totalBytes: number;
  /** Bytes loaded at init: the entry and the chunks it imports statically. */
  initBytes: number;
  /** Those files (absolute paths). */
  initFiles: string[];
  /** Bytes of the source maps (read at init under `--enable-source-maps`), 0 without. */
  mapBytes: number;
  /** Per package name, the code-split chunk a dynamic `import()` of that package loads. */
  lazyChunks: Map<string, string>;
}

/** What to change in the deployed build (`buildBridgeBundle`'s options; its defaults are deployed). */
export interface DeployedVariant {
  /** The MSK IAM signer bundled. @default false */
  withIamSigner?: boolean;
  /** One file instead of code-split chunks (dynamic imports inlined). @default false */
  oneFile?: boolean;
  /** `@aws-sdk/*` left to the runtime. @default false */
  externalSdk?: boolean;
}

/**
 * The bundle cdk/ deploys for `source` (index.mjs, its chunks, source maps), or a variant of it.
 * In one file, dynamic imports are inlined: a module the configuration does not use is parsed at
 * init but never evaluated.
 */
export async function deployed(
  source: string,
  outDir: string,
  variant: DeployedVariant = {},
): Promise<Built> {
  const { withIamSigner = false, oneFile = false, externalSdk = false } = variant;
  const bundle = buildBridgeBundle({
    entry: source,
    outdir: outDir,
    withIamSigner,
    splitting: !oneFile,
    externalSdk,
  });
  return { entry: bundle.entry, metafile: bundle.metafile, ...outputBytes(bundle.metafile, bundle.entry) };
}

/** Output sizes, and the chunks of dynamically imported packages. */
export function outputBytes(
  metafile: Metafile,
  entry: string,
): Pick<Built, 'totalBytes' | 'initBytes' | 'initFiles' | 'mapBytes' | 'lazyChunks'> {
  const outputs = new Map(Object.entries(metafile.outputs).map(([path, o]) => [resolve(path), o]));
  let totalBytes = 0;
  let mapBytes = 0;
  const lazyChunks = new Map<string, string>();
  for (const [path, output] of outputs) {
    if (path.endsWith('.map')) mapBytes += output.bytes;
    else totalBytes += output.bytes;
    const pkg = output.entryPoint && /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(output.entryPoint)?.[1];
    if (pkg && path !== resolve(entry)) lazyChunks.set(pkg, path);
  }
  const seen = new Set<string>();
  const visit = (path: string): void => {
    const output = outputs.get(path);
    if (!output || seen.has(path)) return;
    seen.add(path);
    for (const imported of output.imports) {
      if (imported.kind === 'import-statement' && !imported.external) visit(resolve(imported.path));
    }
  };
  visit(resolve(entry));
  let initBytes = 0;
  for (const path of seen) initBytes += outputs.get(path)?.bytes ?? 0;
  return { totalBytes, initBytes, initFiles: [...seen], mapBytes, lazyChunks };
}

/**
 * The naive build: the handler and lib/ transpiled into one unminified file (TypeScript cannot
 * run as is), every package left to node_modules — what zipping the project with its
 * node_modules deploys. Written under the project so Node finds node_modules by walking up.
 */
export async function naive(source: string, outDir: string): Promise<Built> {
  const entry = join(outDir, 'index.mjs');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(dirname(entry), { recursive: true });
  const result = await build({
    entryPoints: [source],
    outfile: entry,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node22',
    format: 'esm',
    metafile: true,
    logLevel: 'error',
  });
  return { entry, metafile: result.metafile, ...outputBytes(result.metafile, entry) };
}

/**
 * Every package the handler can reach (static and dynamic imports), from an unminified bundle's
 * inputs: a naive deployment ships these packages whole.
 */
export async function reachablePackages(source: string, outDir: string): Promise<string[]> {
  const result = await build({
    entryPoints: [source],
    outfile: join(outDir, 'probe.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  const packages = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) packages.add(match[1]);
  }
  return [...packages].sort();
}
