import { SecretError } from './errors.ts';
import type { SecretCache } from './secrets.ts';

/** How the bridge authenticates to a Confluent-compatible schema registry. */
export type RegistryCredentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string };

/**
 * The registry's credentials from a Secrets Manager secret, through the container's secret cache
 * (one call per container, shared with concurrent readers, a failed fetch not kept). After the
 * registry answers 401, `refresh()` drops the cached secret so the next `get()` reads the rotated
 * one, as the Kafka secret is refetched after an authentication failure.
 */
export class RegistrySecret {
  constructor(
    private readonly secretArn: string,
    private readonly secrets: SecretCache,
  ) {}

  async get(): Promise<RegistryCredentials> {
    return parseRegistryCredentials(this.secretArn, await this.secrets.get(this.secretArn));
  }

  /** Forgets the cached secret: the registry refused it (rotated, or revoked). */
  refresh(): void {
    this.secrets.refresh(this.secretArn);
  }
}

/**
 * Parses `{"username","password"}` (HTTP basic, Confluent Cloud's API key and secret) or
 * `{"token"}` (bearer). Says what is wrong without echoing any of it.
 */
export function parseRegistryCredentials(secretId: string, text: string): RegistryCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SecretError(`secret ${secretId} is not JSON {"username","password"} or {"token"}`, false);
  }
  const { username, password, token } = (value ?? {}) as Record<string, unknown>;
  const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';
  if (token !== undefined) {
    if (!nonEmpty(token) || username !== undefined || password !== undefined) {
      throw new SecretError(
        `secret ${secretId} must hold either a non-empty "token" or "username" and "password"`,
        false,
      );
    }
    return { kind: 'bearer', token };
  }
  if (!nonEmpty(username) || !nonEmpty(password)) {
    throw new SecretError(
      `secret ${secretId} must hold non-empty "username" and "password" strings, or a "token"`,
      false,
    );
  }
  return { kind: 'basic', username, password };
}
