import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { BridgeNetwork } from './bridge-network.ts';
import {
  BrokerMode,
  brokerPorts,
  type KafkaBroker,
  type KafkaClientAuth,
  type ProduceGrant,
  secretReadStatements,
} from './kafka-broker.ts';

/** SASL mechanisms (or none) an external cluster can be reached with. */
export type ExternalKafkaAuth = Exclude<KafkaClientAuth, 'aws-iam'>;

/** Props of an ExternalKafka. */
export interface ExternalKafkaProps {
  /** Comma-separated `host:port` bootstrap list (Confluent Cloud, self-hosted, another account's MSK). */
  readonly bootstrapServers: string;
  /**
   * SASL mechanism.
   * @default 'scram-sha-512' when secretArn is set, else 'none'
   */
  readonly auth?: ExternalKafkaAuth;
  /** Secrets Manager secret with `{"username","password"}`; required for SASL. @default none */
  readonly secretArn?: string;
  /**
   * ARN of the customer-managed KMS key encrypting the secret; the functions get kms:Decrypt on it.
   * @default the secret uses the AWS-managed key, which needs no grant
   */
  readonly secretKeyArn?: string;
  /**
   * Connect with TLS.
   * @default true unless auth is 'none'
   */
  readonly tls?: boolean;
  /**
   * Run the functions in this network (a private cluster reached through peering, VPN or
   * PrivateLink). @default functions outside any VPC, reaching the brokers over the internet
   */
  readonly network?: BridgeNetwork;
  /**
   * CIDR ranges of the brokers; the functions' security group allows egress there, on the
   * bootstrap ports only. Required with network.
   * @default none
   */
  readonly brokerCidrs?: readonly string[];
}

const AUTHS: readonly ExternalKafkaAuth[] = ['none', 'plain', 'scram-sha-256', 'scram-sha-512'];

/**
 * Any Kafka the stack does not create: bootstrap servers, and optionally a SASL secret and a VPC.
 * Functions get GetSecretValue on that one secret (and kms:Decrypt on its key) and nothing else;
 * topics are authorized by the cluster's own ACLs.
 */
export class ExternalKafka extends Construct implements KafkaBroker {
  readonly mode = BrokerMode.External;
  readonly auth: ExternalKafkaAuth;
  readonly bootstrapServers: string;
  readonly network: BridgeNetwork | undefined;
  readonly secret: secretsmanager.ISecret | undefined;
  readonly secretKey: kms.IKey | undefined;
  readonly clientEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ExternalKafkaProps) {
    super(scope, id);
    const servers = props.bootstrapServers
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    if (servers.length === 0) {
      throw new Error('ExternalKafka: bootstrapServers is empty; give a comma-separated host:port list');
    }
    for (const server of servers) {
      if (!/^[^:\s]+:\d{1,5}$/.test(server)) {
        throw new Error(`ExternalKafka: bootstrapServers entry "${server}" is not host:port`);
      }
    }
    const auth = props.auth ?? (props.secretArn ? 'scram-sha-512' : 'none');
    if (!AUTHS.includes(auth)) {
      throw new Error(
        `ExternalKafka: auth must be one of ${AUTHS.join(', ')}, got "${auth}" (MSK IAM: use an msk-* broker mode)`,
      );
    }
    if (auth !== 'none' && !props.secretArn) {
      throw new Error(`ExternalKafka: auth ${auth} needs secretArn (a secret with {"username","password"})`);
    }
    if (auth === 'none' && props.secretArn) {
      throw new Error('ExternalKafka: secretArn is set but auth is none; choose the SASL mechanism');
    }
    if (props.secretKeyArn && !props.secretArn) {
      throw new Error('ExternalKafka: secretKeyArn is set without secretArn');
    }
    if (props.network && (props.brokerCidrs ?? []).length === 0) {
      throw new Error('ExternalKafka: a network needs brokerCidrs, the ranges the brokers live in');
    }
    if (!props.network && props.brokerCidrs) {
      throw new Error(
        'ExternalKafka: brokerCidrs applies only with a network (functions outside a VPC have no security group)',
      );
    }
    const tls = props.tls ?? auth !== 'none';
    if (!tls && auth !== 'none') {
      // Credentials must not cross the network in the clear (lib/config/kafka-config.ts agrees).
      throw new Error(`ExternalKafka: auth ${auth} sends credentials; it needs tls`);
    }

    this.auth = auth;
    this.bootstrapServers = servers.join(',');
    this.network = props.network;
    this.secretKey = props.secretKeyArn
      ? kms.Key.fromKeyArn(this, 'SecretKey', props.secretKeyArn)
      : undefined;
    this.secret = props.secretArn ? importSecret(this, props.secretArn, this.secretKey) : undefined;

    if (props.network) {
      const ports = brokerPorts(this.bootstrapServers);
      for (const cidr of props.brokerCidrs ?? []) props.network.allowBrokers(ec2.Peer.ipv4(cidr), ports);
    }

    this.clientEnvironment = {
      KAFKA_BROKERS: this.bootstrapServers,
      KAFKA_AUTH: auth,
      KAFKA_TLS: String(tls),
      ...(this.secret ? { KAFKA_SECRET_ARN: this.secret.secretArn } : {}),
    };
  }

  grantProduce(grantee: iam.IGrantable, _grant: ProduceGrant): void {
    if (!this.secret) return;
    for (const statement of secretReadStatements(this.secret, this.secretKey)) {
      grantee.grantPrincipal.addToPrincipalPolicy(statement);
    }
  }
}

/** A complete ARN ends in `-` and six random characters; anything else is name-only (partial). */
function importSecret(scope: Construct, arn: string, key: kms.IKey | undefined): secretsmanager.ISecret {
  if (!/^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+$/.test(arn)) {
    throw new Error(`ExternalKafka: secretArn "${arn}" is not a Secrets Manager secret ARN`);
  }
  const complete = /-[A-Za-z0-9]{6}$/.test(arn);
  return secretsmanager.Secret.fromSecretAttributes(scope, 'Secret', {
    ...(complete ? { secretCompleteArn: arn } : { secretPartialArn: arn }),
    ...(key ? { encryptionKey: key } : {}),
  });
}
