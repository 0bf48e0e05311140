import { Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import type { BridgeNetwork } from './bridge-network.ts';

/** Where the brokers come from: created by the stack (MSK) or given (any Kafka). */
export const BrokerMode = {
  MskProvisioned: 'msk-provisioned',
  MskServerless: 'msk-serverless',
  External: 'external',
} as const;
/** One of BrokerMode's values. */
export type BrokerMode = (typeof BrokerMode)[keyof typeof BrokerMode];

/** `KAFKA_AUTH` values the functions understand (lib/config/kafka-config.ts). */
export type KafkaClientAuth = 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'aws-iam';

/** What one function writes, so the broker grants exactly that. */
export interface ProduceGrant {
  /** Topics the function writes to; IAM grants name each one. */
  readonly topics: readonly string[];
  /** The function runs an idempotent producer (`KAFKA_IDEMPOTENT=true`). */
  readonly idempotent: boolean;
  /** The function may create missing topics (`KAFKA_ALLOW_AUTO_TOPIC_CREATION=true`). */
  readonly allowAutoTopicCreation: boolean;
}

/**
 * What a bridge function needs from a Kafka cluster: the `KAFKA_*` environment that reaches it, the
 * network it lives in, and grants scoped to the topics the function writes.
 */
export interface KafkaBroker extends IConstruct {
  readonly mode: BrokerMode;
  readonly auth: KafkaClientAuth;
  /** Comma-separated `host:port` list (a token for MSK clusters). */
  readonly bootstrapServers: string;
  /** Functions run in this network when set; otherwise outside any VPC. */
  readonly network: BridgeNetwork | undefined;
  /** The SASL secret (`{"username","password"}`), when the auth needs one. */
  readonly secret: secretsmanager.ISecret | undefined;
  /** The KMS key encrypting `secret`, when it is a customer-managed key. */
  readonly secretKey: kms.IKey | undefined;
  /** `KAFKA_BROKERS`, `KAFKA_AUTH`, `KAFKA_TLS`, `KAFKA_SECRET_ARN` / `KAFKA_REGION`. */
  readonly clientEnvironment: Readonly<Record<string, string>>;
  /** Lets `grantee` write `grant.topics` and nothing else. */
  grantProduce(grantee: iam.IGrantable, grant: ProduceGrant): void;
}

/**
 * MSK IAM access for a producer: Connect (and WriteDataIdempotently) on the cluster, DescribeTopic
 * and WriteData (and CreateTopic) on each topic. Topic ARNs take the cluster's name and UUID from
 * its ARN (`arn:...:cluster/<name>/<uuid>`), which is how MSK names topics.
 */
export function mskIamProduceStatements(
  scope: IConstruct,
  clusterArn: string,
  grant: ProduceGrant,
): iam.PolicyStatement[] {
  const clusterActions = ['kafka-cluster:Connect'];
  if (grant.idempotent) clusterActions.push('kafka-cluster:WriteDataIdempotently');
  const topicActions = ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'];
  if (grant.allowAutoTopicCreation) topicActions.push('kafka-cluster:CreateTopic');
  return [
    new iam.PolicyStatement({ actions: clusterActions, resources: [clusterArn] }),
    new iam.PolicyStatement({
      actions: topicActions,
      resources: grant.topics.map((topic) => mskTopicArn(scope, clusterArn, topic)),
    }),
  ];
}

/** `arn:<partition>:kafka:<region>:<account>:topic/<cluster name>/<cluster uuid>/<topic>`. */
export function mskTopicArn(scope: IConstruct, clusterArn: string, topic: string): string {
  const parts = Fn.split('/', clusterArn);
  return Stack.of(scope).formatArn({
    service: 'kafka',
    resource: 'topic',
    resourceName: `${Fn.select(1, parts)}/${Fn.select(2, parts)}/${topic}`,
  });
}

/**
 * GetSecretValue on one secret, and kms:Decrypt on its customer-managed key only when Secrets
 * Manager asks on behalf of that secret (the encryption context it always sets).
 */
export function secretReadStatements(
  secret: secretsmanager.ISecret,
  key: kms.IKey | undefined,
): iam.PolicyStatement[] {
  const statements = [
    new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secretArnPattern(secret)],
    }),
  ];
  if (key) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:SecretARN': secretArnPattern(secret) },
        },
      }),
    );
  }
  return statements;
}

/** A secret given by its name-only (partial) ARN matches the six random characters AWS appends. */
function secretArnPattern(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/** `host:port` entries' ports, for security-group rules. */
export function brokerPorts(bootstrapServers: string): number[] {
  const ports = new Set<number>();
  for (const entry of bootstrapServers.split(',')) {
    const port = Number(entry.trim().split(':').pop());
    if (Number.isInteger(port)) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}
