/**
 * The esbuild options a `NodejsFunction` passes for a given `BundlingOptions`, so the benchmark
 * builds exactly what cdk/ deploys from `bridgeBundling()` itself rather than from a copy.
 */
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * Options this translation knows; anything else throws, so a setting added to `bridgeBundling()`
 * later cannot make the benchmark quietly measure a different bundle than the one deployed.
 * `logLevel` and `forceDockerBundling` do not change the output.
 */
const TRANSLATED = new Set([
  'format',
  'target',
  'minify',
  'sourceMap',
  'sourcesContent',
  'mainFields',
  'externalModules',
  'banner',
  'esbuildArgs',
  'logLevel',
  'forceDockerBundling',
]);

/**
 * What aws-cdk-lib's `Bundling.buildEsbuildArgs` turns `bundling` into (`--bundle --platform=node
 * --target --format --minify --sourcemap --sources-content --external --banner:js --main-fields`
 * and the `esbuildArgs`), as esbuild API options. Output file and splitting are the caller's.
 */
export function nodejsFunctionEsbuildOptions(bundling: BundlingOptions): BuildOptions {
  const unknown = Object.keys(bundling).filter((key) => !TRANSLATED.has(key));
  if (unknown.length > 0) {
    throw new Error(`bench/cold-start: no esbuild translation for BundlingOptions ${unknown.join(', ')}`);
  }
  const args = bundling.esbuildArgs ?? {};
  const otherArgs = Object.keys(args).filter((arg) => arg !== '--alias');
  if (otherArgs.length > 0) {
    throw new Error(`bench/cold-start: no esbuild translation for esbuildArgs ${otherArgs.join(', ')}`);
  }
  const aliases = (args['--alias'] ?? []) as string[];
  return {
    bundle: true,
    platform: 'node',
    ...(bundling.format ? { format: bundling.format } : {}),
    ...(bundling.target ? { target: bundling.target } : {}),
    minify: bundling.minify ?? false,
    sourcemap: bundling.sourceMap ?? false,
    sourcesContent: bundling.sourcesContent ?? true,
    ...(bundling.mainFields ? { mainFields: bundling.mainFields } : {}),
    // NodejsFunction's default for the Node.js 18+ runtimes, which provide SDK v3.
    external: bundling.externalModules ?? ['@aws-sdk/*'],
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    alias: Object.fromEntries(
      aliases.map((alias) => {
        const at = alias.indexOf('=');
        return [alias.slice(0, at), alias.slice(at + 1)];
      }),
    ),
  };
}
