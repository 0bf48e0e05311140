import type { SecretCache } from '../../auth/secrets.ts';
import type { WebhookSecretSource } from '../../config/webhook-config.ts';

/** Options of a WebhookSecret. */
export interface WebhookSecretOptions {
  source: WebhookSecretSource;
  secrets: SecretCache;
  /**
   * Least time between two refetches after a signature mismatch. Anyone can send a request with a
   * wrong signature; without a floor each one would cost a Secrets Manager call (and could throttle
   * the account's quota). @default 30_000
   */
  minRefetchIntervalMs?: number;
  /** Milliseconds now; tests move it. @default Date.now */
  now?: () => number;
}

/**
 * The webhook's signing secret. From `WEBHOOK_SECRET_ARN` it goes through the container's secret
 * cache; after a signature mismatch `rotated()` fetches it once more, so a secret rotated in
 * Secrets Manager is picked up by warm containers. The value is never logged.
 */
export class WebhookSecret {
  private lastRefetchMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: WebhookSecretOptions) {}

  /** The secret in use; empty when the scheme needs none. */
  async current(): Promise<string> {
    const { source } = this.options;
    if (source.kind === 'none') return '';
    if (source.kind === 'value') return source.value;
    return secretValue(await this.options.secrets.get(source.arn));
  }

  /**
   * Fetches the secret again after a mismatch and returns it when it differs from `previous`;
   * `undefined` when there is nothing newer (a direct secret, no change, or a refetch too recent).
   */
  async rotated(previous: string): Promise<string | undefined> {
    const { source, secrets } = this.options;
    if (source.kind !== 'arn') return undefined;
    const now = (this.options.now ?? Date.now)();
    if (now - this.lastRefetchMs < (this.options.minRefetchIntervalMs ?? 30_000)) return undefined;
    this.lastRefetchMs = now;
    secrets.refresh(source.arn);
    const fresh = secretValue(await secrets.get(source.arn));
    return fresh === previous ? undefined : fresh;
  }
}

/**
 * A secret's signing key: the plain string, or the `secret` field of a JSON object (how the
 * Secrets Manager console stores key/value pairs).
 */
export function secretValue(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as { secret?: unknown };
      if (typeof parsed.secret === 'string') return parsed.secret;
    } catch {
      // Not JSON after all: the string itself is the secret.
    }
  }
  return trimmed;
}
