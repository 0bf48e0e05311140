import { readFile } from 'node:fs/promises';
import type { KafkaConfig } from '../config/kafka-config.ts';
import type { SaslOptions, TlsOptions } from '../writer/connection-options.ts';
import { mskIamTokenProvider } from './msk-iam.ts';
import { parseCredentials, type SecretCache } from './secrets.ts';

/** What the Writer needs to reach the brokers. */
export interface ResolvedConnection {
  ssl: TlsOptions | undefined;
  sasl: SaslOptions | undefined;
}

/** Turns the Kafka config into TLS and SASL options, fetching credentials from the cache. */
export async function resolveConnection(
  config: KafkaConfig,
  secrets: SecretCache,
): Promise<ResolvedConnection> {
  const ssl = await resolveTls(config);
  const { auth } = config;
  if (auth.mode === 'none') return { ssl, sasl: undefined };
  if (auth.mode === 'aws-iam') {
    return {
      ssl,
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: mskIamTokenProvider(auth.region) },
    };
  }
  const credentials = auth.secretArn
    ? parseCredentials(auth.secretArn, await secrets.get(auth.secretArn))
    : { username: auth.username ?? '', password: auth.password ?? '' };
  return {
    ssl,
    sasl: { mechanism: auth.mode, ...credentials },
  };
}

async function resolveTls(config: KafkaConfig): Promise<TlsOptions | undefined> {
  const { tls } = config;
  if (!tls.enabled) return undefined;
  if (tls.insecure) return { rejectUnauthorized: false };
  if (tls.caFile) return { ca: [await readFile(tls.caFile, 'utf8')] };
  return true;
}
