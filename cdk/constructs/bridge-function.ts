import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { bridgeCode } from '../bundling/bridge-code.ts';
import { type ClaimCheckProps, claimCheckEnvironment, grantClaimCheckWrites } from './claim-check-bucket.ts';
import { type KafkaBroker, type ProduceGrant, secretReadStatements } from './kafka-broker.ts';
import { MALLOC_ENVIRONMENT } from './runtime-environment.ts';

/** Producer settings every function shares, as `KAFKA_*` variables. */
export interface KafkaClientSettings {
  /**
   * `KAFKA_ACKS`: all, one or none.
   * @default 'all'
   */
  readonly acks?: 'all' | 'one' | 'none';
  /**
   * `KAFKA_COMPRESSION`.
   * @default 'none'
   */
  readonly compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  /**
   * `KAFKA_BALANCER` (lib/balancers/balancer-by-name.ts).
   * @default the library's default, murmur2
   */
  readonly balancer?: string;
}

/** Props of a BridgeFunction. */
export interface BridgeFunctionProps {
  /** Path of the handler's module (functions/<trigger>/index.ts), which exports `handler`. */
  readonly entry: string;
  /** The Kafka cluster the function writes to: its environment, network and grants. */
  readonly broker: KafkaBroker;
  /** Topics the function writes to and how; IAM grants and `KAFKA_*` both follow it. */
  readonly produce: ProduceGrant;
  /**
   * Producer settings.
   * @default acks all, no compression, the library's balancer
   */
  readonly kafka?: KafkaClientSettings;
  /**
   * Trigger settings (`WEBHOOK_*`, `SQS_*`, ...), merged over the `KAFKA_*` ones: a key given here
   * adds to the environment, it never replaces the whole map.
   * @default none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Secrets the function reads besides the broker's (the webhook signing secret): GetSecretValue
   * on each, and kms:Decrypt on its key when it has a customer-managed one.
   * @default none
   */
  readonly secrets?: readonly { readonly secret: secretsmanager.ISecret; readonly key?: kms.IKey }[];
  /** @default 'kafka-lambda-bridge function' */
  readonly description?: string;
  /**
   * Longest invocation; writes are bounded by what remains of it.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MB; CPU, and so TLS handshakes and cold starts, scale with it. The trigger
   * constructs pass what `npm run bench:memory` measured for their function (FUNCTION_MEMORY_MB:
   * 128 for each; the largest input measured, a webhook body near 6 MB with the claim check on,
   * peaks at about 109 MiB, an SQS batch of 10,000 records at about 106 MiB).
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Values over a size go to this S3 bucket first and the record carries their reference
   * (`KAFKA_CLAIM_CHECK_*`); the function may put objects under the prefix.
   * @default off: every value is written to Kafka as it is
   */
  readonly claimCheck?: ClaimCheckProps;
}

/**
 * `KAFKA_*` keys derived from the broker and the produce grant. The IAM grants and security groups
 * are built from the same values, so the environment may not override them: a function pointed at
 * other brokers or another secret would fail with permissions it was never given.
 */
const MANAGED_KEYS = new Set([
  'KAFKA_BROKERS',
  'KAFKA_AUTH',
  'KAFKA_TLS',
  'KAFKA_SECRET_ARN',
  'KAFKA_REGION',
  'KAFKA_IDEMPOTENT',
  'KAFKA_ALLOW_AUTO_TOPIC_CREATION',
  'KAFKA_CLAIM_CHECK_BUCKET',
  'KAFKA_CLAIM_CHECK_PREFIX',
]);

/** Values that would show in plain text in the Lambda console and CloudFormation. */
const SECRET_KEYS = new Set(['KAFKA_USERNAME', 'KAFKA_PASSWORD', 'WEBHOOK_SECRET']);

/**
 * One deployable handler as a Lambda function: a code-split esbuild bundle with the AWS SDK
 * inside, built locally without Docker (cdk/bundling/bridge-code.ts), ARM64 on Node.js 22, its own
 * log group with retention, a role holding only what this function needs (its logs, its broker
 * grants, its network interfaces), in the broker's VPC when there is one.
 */
export class BridgeFunction extends Construct {
  /** The Lambda function. */
  readonly function: lambda.Function;
  /** The function's role; triggers add their grants to it. */
  readonly role: iam.Role;
  /** The function's log group. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BridgeFunctionProps) {
    super(scope, id);
    for (const key of Object.keys(props.environment ?? {})) checkEnvironmentKey(key);
    if (props.produce.topics.length === 0) {
      throw new Error(
        `BridgeFunction ${id}: produce.topics is empty; name the topics the function writes to`,
      );
    }
    if (props.produce.idempotent && (props.kafka?.acks ?? 'all') !== 'all') {
      // The library refuses this at cold start (KAFKA_IDEMPOTENT=true needs KAFKA_ACKS=all); fail at synth instead.
      throw new Error(
        `BridgeFunction ${id}: an idempotent producer needs kafka.acks 'all', got '${props.kafka?.acks}'`,
      );
    }
    const memorySize = props.memorySize ?? 256;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
      throw new Error(`BridgeFunction ${id}: memorySize must be 128-10240 MB, got ${memorySize}`);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description ?? 'kafka-lambda-bridge function'}: logs, Kafka writes, nothing else`,
    });
    // Writing to its own group only, instead of AWSLambdaBasicExecutionRole's logs on every group.
    this.logGroup.grantWrite(this.role);

    const network = props.broker.network;
    if (network) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }

    const settings = props.kafka ?? {};
    const environment: Record<string, string> = {
      ...props.broker.clientEnvironment,
      KAFKA_IDEMPOTENT: String(props.produce.idempotent),
      KAFKA_ALLOW_AUTO_TOPIC_CREATION: String(props.produce.allowAutoTopicCreation),
      KAFKA_ACKS: settings.acks ?? 'all',
      KAFKA_COMPRESSION: settings.compression ?? 'none',
      ...(settings.balancer ? { KAFKA_BALANCER: settings.balancer } : {}),
      ...(props.claimCheck ? claimCheckEnvironment(`BridgeFunction ${id}`, props.claimCheck) : {}),
      // Stack traces point into the TypeScript sources (the maps ship beside the bundle).
      NODE_OPTIONS: '--enable-source-maps',
      ...MALLOC_ENVIRONMENT,
      ...props.environment,
    };

    this.function = new lambda.Function(this, 'Function', {
      code: bridgeCode(props.entry, props.broker.auth === 'aws-iam'),
      handler: 'index.handler',
      description: props.description ?? 'kafka-lambda-bridge function',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment,
      ...(network
        ? {
            vpc: network.vpc,
            vpcSubnets: network.subnets,
            securityGroups: [network.functionSecurityGroup],
          }
        : {}),
    });

    props.broker.grantProduce(this.role, props.produce);
    if (props.claimCheck) grantClaimCheckWrites(this, this.role, props.claimCheck);
    for (const { secret, key } of props.secrets ?? []) {
      for (const statement of secretReadStatements(secret, key)) this.role.addToPrincipalPolicy(statement);
    }

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords and the EC2 network-interface actions Lambda needs in a VPC support no resource-level permissions',
    });
    Validations.of(this.function).acknowledge(
      {
        id: 'AwsSolutions-L1',
        reason:
          'pinned to Node.js 22 on purpose: the library is built and measured on 22 (engines >=22.12, zstd from node:zlib since 22.15)',
      },
      {
        id: 'Serverless-LambdaLatestVersion',
        reason:
          'pinned to Node.js 22 on purpose: the library is built and measured on 22 (engines >=22.12, zstd from node:zlib since 22.15)',
      },
    );
  }

  /** Adds one variable, with the same rules as `environment`. */
  addEnvironment(key: string, value: string): void {
    checkEnvironmentKey(key);
    this.function.addEnvironment(key, value);
  }
}

function checkEnvironmentKey(key: string): void {
  if (MANAGED_KEYS.has(key)) {
    throw new Error(
      `BridgeFunction: environment sets ${key}, which follows the broker and produce props (grants and network are built from them); change those instead`,
    );
  }
  if (SECRET_KEYS.has(key)) {
    throw new Error(
      `BridgeFunction: environment sets ${key}, which would be readable in the console; use a Secrets Manager secret (KAFKA_SECRET_ARN, WEBHOOK_SECRET_ARN)`,
    );
  }
}
