import { dirname, join, relative } from 'node:path';
import {
  AssetHashType,
  type BundlingOptions,
  BundlingOutput,
  DockerImage,
  type ILocalBundling,
} from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { PROJECT_ROOT } from '../paths.ts';
import { buildBridgeBundle } from './bridge-bundling.ts';

/**
 * Runs `buildBridgeBundle` in the CDK's local bundling step. Its fields are part of the asset
 * cache key CDK derives from the bundling options (functions are dropped from that JSON), so two
 * functions of one entry bundled with and without the signer in one app never share an asset.
 */
class EsbuildLocalBundling implements ILocalBundling {
  /**
   * The entry relative to the project: the hash CDK derives from these fields when a test skips
   * bundling (`aws:cdk:bundling-stacks`) is then the same on every machine.
   */
  readonly entry: string;

  constructor(
    entry: string,
    readonly withIamSigner: boolean,
  ) {
    this.entry = relative(PROJECT_ROOT, entry);
  }

  /**
   * Always bundles here (true), never hands over to Docker: a failed build throws with esbuild's
   * messages instead of returning false, which would make CDK try the placeholder image.
   */
  tryBundle(outputDir: string, _options: BundlingOptions): boolean {
    buildBridgeBundle({
      entry: join(PROJECT_ROOT, this.entry),
      outdir: outputDir,
      withIamSigner: this.withIamSigner,
    });
    return true;
  }
}

/**
 * A bridge function's code: the code-split bundle of `entry` (index.mjs, chunks/, source maps)
 * built by esbuild on this machine at synth time, no Docker. The asset's hash is the bundle's
 * (`AssetHashType.OUTPUT`), so an unchanged bundle is not uploaded or redeployed again. The asset's
 * source is the entry's directory, which only anchors it: with an output hash nothing in it is
 * fingerprinted or copied. `NodejsFunction` is not used because it writes a single `outfile`.
 */
export function bridgeCode(entry: string, withIamSigner: boolean): lambda.Code {
  return lambda.Code.fromAsset(dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the API, never pulled: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('dummy'),
      local: new EsbuildLocalBundling(entry, withIamSigner),
      outputType: BundlingOutput.NOT_ARCHIVED,
    },
  });
}
