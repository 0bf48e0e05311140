import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretError } from './errors.ts';

/** Fetches a secret's string; replaced in tests that count calls. */
export type SecretFetcher = (secretId: string) => Promise<string>;

let client: Promise<SecretsManagerClient> | undefined;

/**
 * Reads a secret with the AWS SDK v3 Secrets Manager client. The client is imported on first use
 * (~450 KB the functions without secrets never load) and kept for the container's life. Its
 * endpoint follows the SDK's own settings (AWS_ENDPOINT_URL for moto locally).
 */
export const fetchSecretString: SecretFetcher = async (secretId) => {
  client ??= import('@aws-sdk/client-secrets-manager').then((sdk) => new sdk.SecretsManagerClient({}));
  const sdk = await import('@aws-sdk/client-secrets-manager');
  let output: { SecretString?: string | undefined };
  try {
    output = await (await client).send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    const retriable = !['ResourceNotFoundException', 'AccessDeniedException', 'DecryptionFailure'].includes(
      name,
    );
    // The message names the secret, never its value.
    throw new SecretError(`cannot read secret ${secretId}: ${name}`, retriable, { cause: error });
  }
  if (typeof output.SecretString !== 'string') {
    throw new SecretError(`secret ${secretId} has no string value`, false);
  }
  return output.SecretString;
};

/**
 * A container-wide cache of secrets, as promises so concurrent readers share one call. A failed
 * fetch is evicted so the next reader tries again; `refresh` evicts on purpose (after the broker
 * rejected credentials, i.e. a rotation).
 */
export class SecretCache {
  private readonly entries = new Map<string, Promise<string>>();

  constructor(private readonly fetcher: SecretFetcher = fetchSecretString) {}

  get(secretId: string): Promise<string> {
    let entry = this.entries.get(secretId);
    if (!entry) {
      entry = this.fetcher(secretId);
      this.entries.set(secretId, entry);
      entry.catch(() => {
        if (this.entries.get(secretId) === entry) this.entries.delete(secretId);
      });
    }
    return entry;
  }

  /** Forgets a secret so the next `get` fetches it again. */
  refresh(secretId: string): void {
    this.entries.delete(secretId);
  }

  /** Forgets everything (tests). */
  clear(): void {
    this.entries.clear();
  }
}

/** The container's secret cache. */
export const secretCache = new SecretCache();

/** Parses a `{"username","password"}` secret, saying what is wrong without echoing it. */
export function parseCredentials(secretId: string, text: string): { username: string; password: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SecretError(`secret ${secretId} is not JSON {"username","password"}`, false);
  }
  const { username, password } = (value ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
    throw new SecretError(`secret ${secretId} must hold non-empty "username" and "password" strings`, false);
  }
  return { username, password };
}
