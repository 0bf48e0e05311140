import { afterEach, describe, expect, it, vi } from 'vitest';
import { mskIamTokenProvider } from '../../../lib/auth/msk-iam.ts';

describe('MSK IAM token provider', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('signs a kafka-cluster:Connect URL with the AWS SigV4 signer (offline, fake credentials)', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');

    const { value } = await mskIamTokenProvider('eu-west-1')();

    const url = new URL(Buffer.from(value, 'base64url').toString('utf8'));
    expect(url.hostname).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(value).not.toContain('wJalrXUtnFEMI');
  });
});
