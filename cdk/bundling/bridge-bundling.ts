import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { type BuildFailure, buildSync, type Metafile } from 'esbuild';
import { PROJECT_ROOT, SOURCE_EXTENSION } from '../paths.ts';

/** Lets CommonJS dependencies (kafkajs) call `require` for Node built-ins inside an ES module bundle. */
const REQUIRE_SHIM =
  "import { createRequire as __bridgeCreateRequire } from 'node:module'; const require = __bridgeCreateRequire(import.meta.url);";

/** Left to the function's runtime (see `external` below). */
export const OPENTELEMETRY_API = '@opentelemetry/api';

/** A module of cdk/bundling/ that stands in for a dependency, as source here or built in dist/. */
const stub = (name: string) => join(PROJECT_ROOT, 'cdk', 'bundling', `${name}${SOURCE_EXTENSION}`);

/** What `buildBridgeBundle` builds. */
export interface BridgeBundleOptions {
  /** The handler's module, functions/<trigger>/index.ts or .js (exports `handler`). */
  readonly entry: string;
  /** The directory to write; emptied first. */
  readonly outdir: string;
  /** Bundle the MSK IAM signer (with node:crypto SHA-256); otherwise a stub that throws. */
  readonly withIamSigner: boolean;
  /**
   * Code splitting: each dynamically imported module in a chunk of its own under `chunks/`, read
   * only when first imported. `false` writes one file, for comparisons (bench/cold-start).
   * @default true
   */
  readonly splitting?: boolean;
  /**
   * Leave `@aws-sdk/*` to the Lambda runtime's copy instead of bundling it: the deployment before
   * code splitting, kept for comparisons (bench/cold-start).
   * @default false
   */
  readonly externalSdk?: boolean;
}

/** A written bundle. */
export interface BridgeBundle {
  /** `<outdir>/index.mjs`, the module Lambda imports (handler `index.handler`). */
  readonly entry: string;
  /** Every file written (code and source maps), absolute. */
  readonly files: readonly string[];
  /**
   * esbuild's metafile, output paths (keys, and non-external `imports` of outputs) made absolute
   * in `outdir`; inputs relative to the project root.
   */
  readonly metafile: Metafile;
}

/**
 * Builds one function's deployment package with esbuild into `outdir`: `index.mjs` plus the
 * chunks it imports under `chunks/`, minified ESM for Node.js 22 with source maps. The single
 * source of truth for what is deployed: the CDK construct (cdk/bundling/bridge-code.ts), `npm run
 * bundle-report` and `npm run bench:cold-start` all build through it.
 *
 * - **Code-split**: the Secrets Manager and S3 clients, the MSK IAM signer, the compression codecs
 *   and kafkajs' index are imported with `import()` by lib/, so each becomes a chunk that Lambda
 *   reads only when a configuration uses it; init reads `index.mjs` and its static chunks.
 * - **The AWS SDK bundled**, not left to the runtime: the runtime's copy is unminified CommonJS
 *   that costs 2-4x more to load at the first invocation than a minified chunk, its version is the
 *   runtime's rather than the lock file's, and nothing guarantees it ships
 *   `@aws-sdk/credential-providers`, which the signer needs.
 * - **Stubs, via esbuild aliases**: the zstd WASM fallback always (Node.js 22.15+ has zstd in
 *   node:zlib), the MSK IAM signer unless the function authenticates with IAM. With IAM, the
 *   signer's pure-JS SHA-256 gives way to node:crypto (sha256-node.ts).
 * - **Reproducible**: esbuild writes into memory as if the bundle sat beside the entry, so source
 *   map paths (`../../lib/...`) and so the asset hash do not depend on where `outdir` is.
 *
 * Synchronous because CDK's local bundling is. Throws with esbuild's messages when it fails.
 */
export function buildBridgeBundle(options: BridgeBundleOptions): BridgeBundle {
  const { entry, outdir, withIamSigner, splitting = true, externalSdk = false } = options;
  const virtualOutdir = dirname(resolve(entry));
  let result: ReturnType<typeof buildSync>;
  try {
    result = buildSync({
      absWorkingDir: PROJECT_ROOT,
      entryPoints: { index: resolve(entry) },
      entryNames: '[name]',
      chunkNames: 'chunks/[name]-[hash]',
      outExtension: { '.js': '.mjs' },
      outdir: virtualOutdir,
      write: false,
      bundle: true,
      splitting,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      sourcemap: true,
      // Names and mappings are enough for stack traces; the sources would double the maps' size.
      sourcesContent: false,
      mainFields: ['module', 'main'],
      // The OpenTelemetry API is never bundled: lib/lambda/writer-tracing.ts imports it only when
      // it resolves at run time (an ADOT layer's copy, sharing the layer's global tracer provider).
      external: [OPENTELEMETRY_API, ...(externalSdk ? ['@aws-sdk/*'] : [])],
      // In every output file: each chunk is a module of its own and needs its own `require`.
      banner: { js: REQUIRE_SHIM },
      alias: {
        '@bokuweb/zstd-wasm': stub('zstd-wasm-stub'),
        ...(withIamSigner
          ? { '@aws-crypto/sha256-js': stub('sha256-node') }
          : { 'aws-msk-iam-sasl-signer-js': stub('msk-iam-signer-stub') }),
      },
      metafile: true,
      logLevel: 'silent',
    });
  } catch (error) {
    const messages = (error as Partial<BuildFailure>).errors?.map(
      (e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`,
    );
    throw new Error(
      `esbuild could not bundle ${relative(PROJECT_ROOT, entry)}: ${messages?.join('; ') ?? String(error)}`,
      { cause: error },
    );
  }

  const target = resolve(outdir);
  const moved = (path: string) => join(target, relative(virtualOutdir, resolve(PROJECT_ROOT, path)));
  rmSync(target, { recursive: true, force: true });
  const files: string[] = [];
  for (const file of result.outputFiles ?? []) {
    const path = join(target, relative(virtualOutdir, file.path));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.contents);
    files.push(path);
  }
  const metafile = result.metafile as Metafile;
  const outputs: Metafile['outputs'] = {};
  for (const [path, output] of Object.entries(metafile.outputs)) {
    outputs[moved(path)] = {
      ...output,
      imports: output.imports.map((i) => (i.external ? i : { ...i, path: moved(i.path) })),
    };
  }
  return { entry: join(target, 'index.mjs'), files, metafile: { inputs: metafile.inputs, outputs } };
}
