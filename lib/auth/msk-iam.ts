import type { OauthBearerToken } from '../writer/connection-options.ts';

/**
 * An OAUTHBEARER token provider for Amazon MSK IAM. The signer (~510 KB with its SDK parts) is
 * imported only when the first token is needed, so functions using SCRAM or no auth never load it.
 */
export function mskIamTokenProvider(region: string): () => Promise<OauthBearerToken> {
  return async () => {
    const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
    const { token } = await generateAuthToken({ region });
    return { value: token };
  };
}
