import { BALANCER_NAMES, type BalancerName } from '../balancers/balancer-by-name.ts';
import { Compression } from '../writer/codecs/compression.ts';
import { RequiredAcks } from '../writer/required-acks.ts';
import { type ClaimCheckConfig, readClaimCheckConfig } from './claim-check-config.ts';
import type { Env } from './env-reader.ts';
import { EnvReader } from './env-reader.ts';
import { readSchemaConfig, type SchemaConfig } from './schema-config.ts';

/** `KAFKA_AUTH` values. */
export const KAFKA_AUTH_MODES = ['none', 'plain', 'scram-sha-256', 'scram-sha-512', 'aws-iam'] as const;
export type KafkaAuthMode = (typeof KAFKA_AUTH_MODES)[number];

/** `KAFKA_TRACING` values: `auto` traces when `@opentelemetry/api` can be loaded, `off` never loads it. */
export const KAFKA_TRACING_MODES = ['auto', 'off'] as const;
export type KafkaTracingMode = (typeof KAFKA_TRACING_MODES)[number];

/** How the bridge authenticates to Kafka. Credentials themselves are fetched later, never logged. */
export type KafkaAuthConfig =
  | { mode: 'none' }
  | {
      mode: 'plain' | 'scram-sha-256' | 'scram-sha-512';
      /** Secrets Manager secret holding `{"username","password"}`. */
      secretArn: string | undefined;
      /** Given directly (local use) when there is no secret. */
      username: string | undefined;
      password: string | undefined;
    }
  | { mode: 'aws-iam'; region: string };

export interface KafkaTlsConfig {
  enabled: boolean;
  /** PEM file of the CA to trust besides the system's (self-hosted Kafka, local broker). */
  caFile: string | undefined;
  /** Skip certificate verification: local tests only. */
  insecure: boolean;
}

/** The resolved `KAFKA_*` configuration. */
export interface KafkaConfig {
  brokers: string[];
  /** Default topic of the triggers (`KAFKA_TOPIC`). */
  topic: string | undefined;
  clientId: string;
  auth: KafkaAuthConfig;
  tls: KafkaTlsConfig;
  requiredAcks: RequiredAcks;
  compression: Compression;
  balancer: BalancerName;
  allowAutoTopicCreation: boolean;
  idempotent: boolean;
  batchSize: number;
  batchBytes: number;
  maxAttempts: number;
  writeTimeoutMs: number;
  connectTimeoutMs: number;
  /** Milliseconds kept free at the end of an invocation for the handler to answer. */
  deadlineMarginMs: number;
  /** Values over a size go to S3, the record carries a reference (`KAFKA_CLAIM_CHECK_*`); off when unset. */
  claimCheck?: ClaimCheckConfig | undefined;
  /**
   * Values are validated and encoded against a registry's schema (`KAFKA_VALUE_FORMAT`,
   * `SCHEMA_*`) before the claim check and the write; `undefined` = raw, written as they are.
   */
  schema?: SchemaConfig | undefined;
  /** OpenTelemetry producer spans for the Writer's writes (`KAFKA_TRACING`). */
  tracing: KafkaTracingMode;
}

const ACKS: Record<string, RequiredAcks> = {
  all: RequiredAcks.All,
  '-1': RequiredAcks.All,
  one: RequiredAcks.One,
  '1': RequiredAcks.One,
  none: RequiredAcks.None,
  '0': RequiredAcks.None,
};

/**
 * Reads the `KAFKA_*` variables (see the README's table). Returns the config and every problem
 * found; `resolveConfig` turns problems into one ConfigError.
 */
export function readKafkaConfig(env: Env): { config: KafkaConfig; problems: string[] } {
  const r = new EnvReader(env);
  const brokers = r.list('KAFKA_BROKERS');
  if (brokers.length === 0) r.problem('KAFKA_BROKERS is required (comma-separated host:port list)');
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) r.problem(`KAFKA_BROKERS entry "${broker}" is not host:port`);
  }
  const mode = r.oneOf('KAFKA_AUTH', KAFKA_AUTH_MODES, 'none');
  const auth = readAuth(r, env, mode);
  const acksText = r.oneOf('KAFKA_ACKS', Object.keys(ACKS), 'all');
  const config: KafkaConfig = {
    brokers,
    topic: r.string('KAFKA_TOPIC'),
    clientId: r.string('KAFKA_CLIENT_ID', env.AWS_LAMBDA_FUNCTION_NAME ?? 'kafka-lambda-bridge'),
    auth,
    tls: {
      // IAM and SASL credentials must not cross the network in the clear.
      enabled: r.boolean('KAFKA_TLS', mode !== 'none'),
      caFile: r.string('KAFKA_TLS_CA_FILE'),
      insecure: r.boolean('KAFKA_TLS_INSECURE', false),
    },
    requiredAcks: ACKS[acksText] ?? RequiredAcks.All,
    compression: r.oneOf('KAFKA_COMPRESSION', Object.values(Compression), Compression.None),
    balancer: r.oneOf('KAFKA_BALANCER', BALANCER_NAMES, 'murmur2'),
    allowAutoTopicCreation: r.boolean('KAFKA_ALLOW_AUTO_TOPIC_CREATION', false),
    // Idempotent by default where it is possible (acks=all), as the Java client since Kafka 3.0.
    idempotent: r.boolean('KAFKA_IDEMPOTENT', (ACKS[acksText] ?? RequiredAcks.All) === RequiredAcks.All),
    batchSize: r.integer('KAFKA_BATCH_SIZE', 1000, { min: 1 }),
    batchBytes: r.integer('KAFKA_BATCH_BYTES', 1_048_576, { min: 1024 }),
    maxAttempts: r.integer('KAFKA_MAX_ATTEMPTS', 10, { min: 1 }),
    writeTimeoutMs: r.integer('KAFKA_WRITE_TIMEOUT_MS', 10_000, { min: 100 }),
    connectTimeoutMs: r.integer('KAFKA_CONNECT_TIMEOUT_MS', 5_000, { min: 100 }),
    deadlineMarginMs: r.integer('KAFKA_DEADLINE_MARGIN_MS', 500, { min: 0 }),
    claimCheck: undefined,
    schema: readSchemaConfig(r),
    tracing: r.oneOf('KAFKA_TRACING', KAFKA_TRACING_MODES, 'auto'),
  };
  config.claimCheck = readClaimCheckConfig(r, config.batchBytes);
  if (config.tls.enabled === false && mode === 'aws-iam')
    r.problem('KAFKA_AUTH=aws-iam needs KAFKA_TLS=true (MSK IAM is TLS only)');
  if (config.idempotent && config.requiredAcks !== RequiredAcks.All)
    r.problem('KAFKA_IDEMPOTENT=true needs KAFKA_ACKS=all');
  return { config, problems: r.problems };
}

function readAuth(r: EnvReader, env: Env, mode: KafkaAuthMode): KafkaAuthConfig {
  if (mode === 'none') return { mode };
  if (mode === 'aws-iam') {
    const region = r.string('KAFKA_REGION') ?? env.AWS_REGION;
    if (!region) r.problem('KAFKA_AUTH=aws-iam needs KAFKA_REGION or AWS_REGION');
    return { mode, region: region ?? '' };
  }
  const secretArn = r.string('KAFKA_SECRET_ARN');
  const username = r.string('KAFKA_USERNAME');
  const password = r.string('KAFKA_PASSWORD');
  if (!secretArn && !(username && password)) {
    r.problem(
      `KAFKA_AUTH=${mode} needs KAFKA_SECRET_ARN (or KAFKA_USERNAME and KAFKA_PASSWORD for local use)`,
    );
  }
  if (secretArn && (username || password)) {
    r.problem('set KAFKA_SECRET_ARN or KAFKA_USERNAME/KAFKA_PASSWORD, not both');
  }
  return { mode, secretArn, username, password };
}
