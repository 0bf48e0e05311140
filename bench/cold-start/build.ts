/**
 * The two builds cold-start.ts compares, per function: the bundle CDK's NodejsFunction makes
 * (esbuild, minified ESM for Node 22, every dependency inside, the AWS SDK too) and a naive build
 * (the project's code transpiled, every package loaded from node_modules as installed).
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

/** Lets CommonJS dependencies (kafkajs) call `require` inside an ES module bundle (as cdk/ does). */
const REQUIRE_SHIM =
  "import { createRequire as __bridgeCreateRequire } from 'node:module'; const require = __bridgeCreateRequire(import.meta.url);";

/** One built handler. */
export interface Built {
  /** The file Lambda would import. */
  entry: string;
  metafile: Metafile;
  /** Bytes of every output file (the deployment package's code). */
  totalBytes: number;
  /** Bytes loaded at init: the entry and the chunks it imports statically. */
  initBytes: number;
}

/**
 * The NodejsFunction-style bundle: minified ESM, node22, platform node, `module` before `main`,
 * nothing external unless `external` says so (by default the SDK is bundled rather than taken
 * from the runtime).
 *
 * Without `splitting`, one file, as NodejsFunction writes it: dynamic imports are inlined, so a
 * module the configuration does not use (the SDK for Secrets Manager, the IAM signer, codecs) is
 * in the file, parsed at init but never evaluated. With `splitting`, each dynamically imported
 * module becomes a chunk of its own that is read only when a configuration uses it.
 */
export async function bundled(
  source: string,
  outDir: string,
  options: { splitting?: boolean; kafkajsDeep?: boolean; external?: string[] } = {},
): Promise<Built> {
  const { splitting = false, kafkajsDeep = false, external = [] } = options;
  const entry = join(outDir, 'index.mjs');
  await rm(outDir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { index: source },
    ...(splitting
      ? {
          outdir: outDir,
          splitting: true,
          chunkNames: 'chunks/[name]-[hash]',
          outExtension: { '.js': '.mjs' },
        }
      : { outfile: entry }),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_SHIM },
    external,
    metafile: true,
    logLevel: 'error',
    ...(kafkajsDeep ? { plugins: [kafkajsDeepImports] } : {}),
  });
  return { entry, metafile: result.metafile, ...outputBytes(result.metafile, entry) };
}

/**
 * Resolves the bare `kafkajs` import to kafkajs-deep-shim.ts: simulates lib/ importing kafkajs'
 * deep modules instead of its index (a proposed change; bench/ does not edit lib/).
 */
const kafkajsDeepImports: Plugin = {
  name: 'kafkajs-deep-imports',
  setup(plugin) {
    const shim = fileURLToPath(new URL('./kafkajs-deep-shim.ts', import.meta.url));
    plugin.onResolve({ filter: /^kafkajs$/ }, () => ({ path: shim }));
  },
};

/** Total output bytes, and the bytes of the entry plus its static imports, transitively. */
function outputBytes(metafile: Metafile, entry: string): { totalBytes: number; initBytes: number } {
  const outputs = new Map(Object.entries(metafile.outputs).map(([path, o]) => [resolve(path), o]));
  let totalBytes = 0;
  for (const [path, output] of outputs) if (path.endsWith('.mjs')) totalBytes += output.bytes;
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
  return { totalBytes, initBytes };
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
