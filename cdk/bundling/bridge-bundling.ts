import { join } from 'node:path';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { PROJECT_ROOT } from '../paths.ts';

/** Lets CommonJS dependencies (kafkajs) call `require` for Node built-ins inside an ES module bundle. */
const REQUIRE_SHIM =
  "import { createRequire as __bridgeCreateRequire } from 'node:module'; const require = __bridgeCreateRequire(import.meta.url);";

const STUBS = join(PROJECT_ROOT, 'cdk', 'bundling');

/**
 * The esbuild settings of every bridge function: minified ESM with source maps for Node.js 22.
 * Left out of the bundle: the AWS SDK v3 (the nodejs22.x runtime provides it, and the library
 * imports its clients only when used); the zstd WASM fallback (Node 22.15+ has zstd in node:zlib),
 * and the MSK IAM signer unless the function authenticates with IAM, both replaced by stubs that
 * say so. Stubs rather than externals: esbuild hoists an external's static import to the top of an
 * ES module bundle, which would load it at cold start. With IAM, the signer's pure-JS SHA-256
 * gives way to node:crypto (sha256-node.ts), which keeps IAM bundles under 400 KiB.
 */
export function bridgeBundling(withIamSigner: boolean): nodejs.BundlingOptions {
  return {
    format: nodejs.OutputFormat.ESM,
    target: 'node22',
    minify: true,
    sourceMap: true,
    // Names and mappings are enough for stack traces; the sources would double the map's size.
    sourcesContent: false,
    mainFields: ['module', 'main'],
    externalModules: ['@aws-sdk/*'],
    banner: REQUIRE_SHIM,
    esbuildArgs: {
      '--alias': [
        `@bokuweb/zstd-wasm=${join(STUBS, 'zstd-wasm-stub.ts')}`,
        ...(withIamSigner
          ? [`@aws-crypto/sha256-js=${join(STUBS, 'sha256-node.ts')}`]
          : [`aws-msk-iam-sasl-signer-js=${join(STUBS, 'msk-iam-signer-stub.ts')}`]),
      ],
    },
    forceDockerBundling: false,
    logLevel: nodejs.LogLevel.WARNING,
  };
}
