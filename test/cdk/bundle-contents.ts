import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { buildSync } from 'esbuild';

/** What one deployed function's asset holds, read from its files alone. */
export interface BundleContents {
  /** Every JavaScript file, relative to the asset (index.mjs, chunks/...). */
  files: string[];
  /** index.mjs and every file it imports with static `import` / `export from`, transitively. */
  atInit: string[];
  /** Bare specifiers any file imports (left to the runtime), e.g. `node:crypto`. */
  externals: string[];
  /** Per file, the sources its source map names (`../../lib/...`, `../../node_modules/...`). */
  sources: Map<string, string[]>;
}

/** The asset directories of a cloud assembly that hold a function bundle. */
export function functionAssets(outdir: string): string[] {
  return readdirSync(outdir)
    .map((dir) => join(outdir, dir))
    .filter((dir) => existsSync(join(dir, 'index.mjs')));
}

function jsFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsFiles(path, base);
    return entry.name.endsWith('.mjs') ? [relative(base, path)] : [];
  });
}

/**
 * Reads a function asset as Lambda would load it: esbuild parses index.mjs and everything it
 * imports (without writing anything) and its metafile tells static imports from dynamic ones; the
 * source maps beside each file say which modules went into it.
 */
export function bundleContents(assetDir: string): BundleContents {
  const files = jsFiles(assetDir).sort();
  const { metafile } = buildSync({
    absWorkingDir: resolve(assetDir),
    entryPoints: ['index.mjs'],
    bundle: true,
    write: false,
    outdir: 'out',
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    logLevel: 'silent',
  });
  const externals = new Set<string>();
  const staticImports = new Map<string, string[]>();
  for (const [path, input] of Object.entries(metafile.inputs)) {
    staticImports.set(
      path,
      input.imports.filter((i) => !i.external && i.kind === 'import-statement').map((i) => i.path),
    );
    for (const i of input.imports) if (i.external) externals.add(i.path);
  }
  const atInit = new Set<string>();
  const visit = (path: string): void => {
    if (atInit.has(path)) return;
    atInit.add(path);
    for (const next of staticImports.get(path) ?? []) visit(next);
  };
  visit('index.mjs');
  const sources = new Map<string, string[]>();
  for (const file of files) {
    const map = JSON.parse(readFileSync(join(assetDir, `${file}.map`), 'utf8')) as { sources: string[] };
    sources.set(file, map.sources);
  }
  return { files, atInit: [...atInit].sort(), externals: [...externals].sort(), sources };
}

/** Whether any of `files` was built from a source whose path contains `fragment`. */
export function builtFrom(contents: BundleContents, files: readonly string[], fragment: string): boolean {
  return files.some((file) => contents.sources.get(file)?.some((source) => source.includes(fragment)));
}
