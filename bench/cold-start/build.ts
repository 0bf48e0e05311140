/**
 * The builds cold-start.ts compares, per function: the bundle cdk/ deploys (esbuild with
 * `bridgeBundling()`'s options, as `NodejsFunction` runs it), variants of it with the AWS SDK
 * inside, and a naive build (the project's code transpiled, every package loaded from
 * node_modules as installed).
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { bridgeBundling } from '../../cdk/bundling/bridge-bundling.ts';
import { nodejsFunctionEsbuildOptions } from './nodejs-function-esbuild.ts';

/** One built handler. */
export interface Built {
  /** The file Lambda would import. */
  entry: string;
  metafile: Metafile;
  /** Bytes of every JavaScript output file (the deployment package's code). */
  totalBytes: number;
  /** Bytes loaded at init: the entry and the chunks it imports statically. */
  initBytes: number;
  /** Bytes of the source maps (read at init under `--enable-source-maps`), 0 without. */
  mapBytes: number;
  /** Per package name, the code-split chunk a dynamic `import()` of that package loads. */
  lazyChunks: Map<string, string>;
}

/** What to change in the deployed build. */
export interface DeployedVariant {
  /** `bridgeBundling(true)`: the MSK IAM signer bundled. @default false */
  withIamSigner?: boolean;
  /** Bundle `@aws-sdk/*` instead of leaving it to the runtime. @default false */
  sdkInside?: boolean;
  /**
   * esbuild code splitting: each dynamically imported module a chunk of its own, read only when
   * used (`NodejsFunction` cannot: it writes one `outfile`). @default false
   */
  splitting?: boolean;
}

/**
 * The bundle `NodejsFunction` makes with `bridgeBundling(withIamSigner)` (index.mjs and its source
 * map), optionally with the SDK inside or split into chunks. In one file, dynamic imports are
 * inlined: a module the configuration does not use is parsed at init but never evaluated.
 */
export async function deployed(
  source: string,
  outDir: string,
  variant: DeployedVariant = {},
): Promise<Built> {
  const { withIamSigner = false, sdkInside = false, splitting = false } = variant;
  const entry = join(outDir, 'index.mjs');
  await rm(outDir, { recursive: true, force: true });
  const options = nodejsFunctionEsbuildOptions(bridgeBundling(withIamSigner));
  const result = await build({
    ...options,
    entryPoints: { index: source },
    ...(splitting
      ? {
          outdir: outDir,
          splitting: true,
          chunkNames: 'chunks/[name]-[hash]',
          outExtension: { '.js': '.mjs' },
        }
      : { outfile: entry }),
    ...(sdkInside ? { external: (options.external ?? []).filter((e) => e !== '@aws-sdk/*') } : {}),
    metafile: true,
    logLevel: 'error',
  });
  return { entry, metafile: result.metafile, ...outputBytes(result.metafile, entry) };
}

/** Output sizes, and the chunks of dynamically imported packages. */
function outputBytes(
  metafile: Metafile,
  entry: string,
): Pick<Built, 'totalBytes' | 'initBytes' | 'mapBytes' | 'lazyChunks'> {
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
  return { totalBytes, initBytes, mapBytes, lazyChunks };
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
