import type { OauthBearerToken } from '../writer/connection-options.ts';

/**
 * An OAUTHBEARER token provider for Amazon MSK IAM. The signer (~510 KB with its SDK parts) is
 * imported only when the first token is needed, so functions using SCRAM or no auth never load it.
 */
export function mskIamTokenProvider(region: string): () => Promise<OauthBearerToken> {
  return async () => {
    // The signer is CommonJS: `default` is its exports object under Node and in every esbuild
    // build, whereas named exports are lost when a code-split bundle puts it in a chunk of its own
    // (the chunk only has `export default`), as the deployed Lambda bundles do.
    const { generateAuthToken } = (await import('aws-msk-iam-sasl-signer-js')).default;
    const { token } = await generateAuthToken({ region });
    return { value: token };
  };
}
