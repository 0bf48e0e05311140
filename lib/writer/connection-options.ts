import type { ConnectionOptions } from 'node:tls';

/** TLS settings: `true` for the system CAs, or node:tls options (e.g. `{ ca: [pem] }`). */
export type TlsOptions = boolean | ConnectionOptions;

/** A token for SASL/OAUTHBEARER (MSK IAM uses this with a SigV4-signed token). */
export interface OauthBearerToken {
  value: string;
}

/** SASL settings; credentials are never logged. */
export type SaslOptions =
  | { mechanism: 'plain'; username: string; password: string }
  | { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
  | { mechanism: 'oauthbearer'; oauthBearerProvider: () => Promise<OauthBearerToken> };

/** Structured logger; Powertools' Logger and console both fit. */
export interface WriterLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
