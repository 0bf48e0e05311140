/**
 * Stands in for aws-msk-iam-sasl-signer-js in the bundles of functions that do not use MSK IAM
 * (the stack chose SASL or no auth), so those bundles carry none of the signer. The library
 * imports the signer only when `KAFKA_AUTH=aws-iam`, which only a hand edit could cause here.
 */
export async function generateAuthToken(): Promise<never> {
  throw new Error(
    'this function was bundled without the MSK IAM signer because its stack does not use IAM auth; deploy it with an msk-* broker mode (IAM) instead of setting KAFKA_AUTH=aws-iam by hand',
  );
}

/** How lib/auth/msk-iam.ts reads the signer (a CommonJS module's exports object). */
export default { generateAuthToken };
