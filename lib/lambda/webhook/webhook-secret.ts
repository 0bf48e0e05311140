import type { SecretCache } from '../../auth/secrets.ts';
import {
  type WebhookSecretSource,
  type WebhookSignatureScheme,
  webhookSecretProblem,
} from '../../config/webhook-config.ts';
import { WebhookSecretError } from './signatures.ts';

/** Options of a WebhookSecret. */
export interface WebhookSecretOptions {
  source: WebhookSecretSource;
  /** The scheme the secret signs for: it decides which secrets are usable. */
  scheme: WebhookSignatureScheme;
  secrets: SecretCache;
  /**
   * Least time between two refetches (after a signature mismatch, or while the stored secret is
   * unusable). Anyone can send a request with a wrong signature; without a floor each one would
   * cost a Secrets Manager call (and could throttle the account's quota). @default 30_000
   */
  minRefetchIntervalMs?: number;
  /** Milliseconds now; tests move it. @default Date.now */
  now?: () => number;
}

/**
 * The webhook's signing secret. From `WEBHOOK_SECRET_ARN` it goes through the container's secret
 * cache; after a signature mismatch `rotated()` fetches it once more, so a secret rotated in
 * Secrets Manager is picked up by warm containers. A secret its scheme cannot use (empty,
 * whitespace, too short: see webhookSecretProblem) is never handed out: both methods throw
 * WebhookSecretError, which the webhook answers with a 500. The value is never logged.
 */
export class WebhookSecret {
  private lastRefetchMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: WebhookSecretOptions) {}

  /** The secret in use; empty when the scheme needs none. */
  async current(): Promise<string> {
    const { source, secrets } = this.options;
    if (source.kind === 'none') return '';
    if (source.kind === 'value') return this.usable(source.value, 'WEBHOOK_SECRET');
    try {
      return this.usable(secretValue(await secrets.get(source.arn)), source.arn);
    } catch (error) {
      // The unusable value would stay cached for the container's life: evict it (at most once
      // per interval) so that a secret fixed in Secrets Manager is picked up without a cold start.
      if (error instanceof WebhookSecretError && this.mayRefetch()) secrets.refresh(source.arn);
      throw error;
    }
  }

  /**
   * Fetches the secret again after a mismatch and returns it when it differs from `previous`;
   * `undefined` when there is nothing newer (a direct secret, no change, or a refetch too recent).
   * Throws WebhookSecretError when the new secret is unusable.
   */
  async rotated(previous: string): Promise<string | undefined> {
    const { source, secrets } = this.options;
    if (source.kind !== 'arn' || !this.mayRefetch()) return undefined;
    secrets.refresh(source.arn);
    const fresh = this.usable(secretValue(await secrets.get(source.arn)), source.arn);
    return fresh === previous ? undefined : fresh;
  }

  /** Whether the refetch floor allows a Secrets Manager call now; if so, counts it as made. */
  private mayRefetch(): boolean {
    const now = (this.options.now ?? Date.now)();
    if (now - this.lastRefetchMs < (this.options.minRefetchIntervalMs ?? 30_000)) return false;
    this.lastRefetchMs = now;
    return true;
  }

  private usable(secret: string | undefined, origin: string): string {
    const problem =
      secret === undefined
        ? 'a JSON object without a "secret" string'
        : webhookSecretProblem(this.options.scheme, secret);
    if (secret === undefined || problem) {
      throw new WebhookSecretError(
        `the webhook signing secret in ${origin} is ${problem} (the value is not shown)`,
      );
    }
    return secret;
  }
}

/**
 * A secret's signing key: the plain string, or the `secret` field of a JSON object (how the
 * Secrets Manager console stores key/value pairs). `undefined` for a JSON object without a
 * `secret` string: its text is predictable, so it must not become the key.
 */
export function secretValue(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return trimmed;
  let parsed: { secret?: unknown };
  try {
    parsed = JSON.parse(trimmed) as { secret?: unknown };
  } catch {
    // Not JSON after all: the string itself is the secret.
    return trimmed;
  }
  return typeof parsed?.secret === 'string' ? parsed.secret : undefined;
}
