import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { mskBootstrapBrokers } from './aws-lookups.ts';
import type { BridgeNetwork } from './bridge-network.ts';
import {
  BrokerMode,
  type KafkaBroker,
  type KafkaClientAuth,
  mskIamProduceStatements,
  type ProduceGrant,
  secretReadStatements,
} from './kafka-broker.ts';

/** SASL mechanisms an MSK provisioned cluster can accept. */
export type MskAuthMethod = 'iam' | 'scram';

/** MSK's TLS listener port of each mechanism (inside the VPC). */
export const MSK_PORTS: Readonly<Record<MskAuthMethod, number>> = { iam: 9098, scram: 9096 };

/** Props of an MskProvisionedBroker. */
export interface MskProvisionedBrokerProps {
  /** Where the brokers' network interfaces live; the functions use the same network. */
  readonly network: BridgeNetwork;
  /**
   * SASL mechanisms the cluster accepts. The bridge functions use the first; a second is for other
   * clients (a SCRAM secret is then still created and associated).
   * @default ['iam']
   */
  readonly authentication?: readonly MskAuthMethod[];
  /**
   * Apache Kafka version of the cluster.
   * @default '3.9.x'
   */
  readonly kafkaVersion?: string;
  /**
   * Broker instance type. `kafka.t3.small` is cheapest for trials, but throttles new IAM
   * connections to a few per second, which a burst of cold Lambdas exceeds.
   * @default 'kafka.m7g.large'
   */
  readonly instanceType?: string;
  /**
   * Brokers in each of the network's availability zones.
   * @default 1
   */
  readonly brokersPerAz?: number;
  /**
   * EBS volume per broker, in GiB.
   * @default 100
   */
  readonly volumeSizeGiB?: number;
  /**
   * Cluster name (letters, digits and hyphens).
   * @default `<stack name>-bridge`
   */
  readonly clusterName?: string;
  /**
   * Customer-managed key for the brokers' volumes and the SCRAM secret (MSK refuses SCRAM secrets
   * under the AWS-managed key).
   * @default a new key with yearly rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Retention of the brokers' logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * An Amazon MSK provisioned cluster for the bridge: TLS only, SASL/IAM and/or SASL/SCRAM, volumes
 * and secret under a customer-managed key, brokers reachable from the bridge functions only, on
 * the one port of the mechanism they use.
 */
export class MskProvisionedBroker extends Construct implements KafkaBroker {
  readonly mode = BrokerMode.MskProvisioned;
  readonly auth: KafkaClientAuth;
  readonly bootstrapServers: string;
  readonly network: BridgeNetwork;
  readonly secret: secretsmanager.Secret | undefined;
  readonly secretKey: kms.IKey;
  readonly clientEnvironment: Readonly<Record<string, string>>;
  /** The MSK cluster. */
  readonly cluster: msk.CfnCluster;
  /** The brokers' security group: ingress from the bridge functions on one port only. */
  readonly brokerSecurityGroup: ec2.SecurityGroup;
  /** The cluster's customer-managed key. */
  readonly encryptionKey: kms.IKey;
  /** The mechanism the functions use. */
  readonly clientMethod: MskAuthMethod;

  constructor(scope: Construct, id: string, props: MskProvisionedBrokerProps) {
    super(scope, id);
    const methods = props.authentication ?? ['iam'];
    if (methods.length === 0) {
      throw new Error('MskProvisionedBroker: authentication needs at least one of iam, scram');
    }
    if (new Set(methods).size !== methods.length) {
      throw new Error(`MskProvisionedBroker: authentication lists a mechanism twice: ${methods.join(', ')}`);
    }
    const brokersPerAz = props.brokersPerAz ?? 1;
    if (!Number.isInteger(brokersPerAz) || brokersPerAz < 1) {
      throw new Error(`MskProvisionedBroker: brokersPerAz must be a positive integer, got ${brokersPerAz}`);
    }
    const volumeSizeGiB = props.volumeSizeGiB ?? 100;
    if (!Number.isInteger(volumeSizeGiB) || volumeSizeGiB < 1 || volumeSizeGiB > 16_384) {
      throw new Error(`MskProvisionedBroker: volumeSizeGiB must be 1 to 16384, got ${volumeSizeGiB}`);
    }
    const clusterName = props.clusterName ?? `${Stack.of(this).stackName}-bridge`;
    if (!/^[a-zA-Z0-9-]{1,64}$/.test(clusterName)) {
      throw new Error(
        `MskProvisionedBroker: clusterName "${clusterName}" must be 1-64 letters, digits or hyphens`,
      );
    }

    this.network = props.network;
    this.clientMethod = methods[0] as MskAuthMethod;
    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: `kafka-lambda-bridge: ${clusterName} volumes and SCRAM secret`,
        enableKeyRotation: true,
      });
    this.secretKey = this.encryptionKey;

    this.brokerSecurityGroup = new ec2.SecurityGroup(this, 'BrokerSecurityGroup', {
      vpc: props.network.vpc,
      description: `${clusterName} brokers: ingress from the bridge functions only`,
      // Brokers only answer; MSK replicates between brokers outside these interfaces.
      allowAllOutbound: false,
    });
    const subnetIds = props.network.vpc.selectSubnets(props.network.subnets).subnetIds;
    const brokerLogs = new logs.LogGroup(this, 'BrokerLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.cluster = new msk.CfnCluster(this, 'Cluster', {
      clusterName,
      kafkaVersion: props.kafkaVersion ?? '3.9.x',
      numberOfBrokerNodes: subnetIds.length * brokersPerAz,
      brokerNodeGroupInfo: {
        instanceType: props.instanceType ?? 'kafka.m7g.large',
        clientSubnets: subnetIds,
        securityGroups: [this.brokerSecurityGroup.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: volumeSizeGiB } },
      },
      clientAuthentication: {
        sasl: {
          iam: { enabled: methods.includes('iam') },
          scram: { enabled: methods.includes('scram') },
        },
        unauthenticated: { enabled: false },
      },
      encryptionInfo: {
        encryptionAtRest: { dataVolumeKmsKeyId: this.encryptionKey.keyArn },
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
      },
      loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } } },
      enhancedMonitoring: 'DEFAULT',
    });

    if (methods.includes('scram')) {
      this.secret = new secretsmanager.Secret(this, 'ScramSecret', {
        // MSK associates only secrets whose names start with AmazonMSK_.
        secretName: `AmazonMSK_${clusterName}_bridge`,
        description: `SCRAM credentials of the kafka-lambda-bridge functions on ${clusterName}`,
        encryptionKey: this.encryptionKey,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ username: 'bridge' }),
          generateStringKey: 'password',
          excludePunctuation: true,
          passwordLength: 32,
        },
      });
      new msk.CfnBatchScramSecret(this, 'ScramSecretAssociation', {
        clusterArn: this.cluster.attrArn,
        secretArnList: [this.secret.secretArn],
      });
      Validations.of(this.secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'SCRAM passwords live in the brokers too, so rotating needs a rotation function that updates both; the functions refetch the secret after an authentication failure, so a rotation added later takes effect without redeploying',
      });
    }

    props.network.allowBrokers(this.brokerSecurityGroup, [MSK_PORTS[this.clientMethod]]);
    this.auth = this.clientMethod === 'iam' ? 'aws-iam' : 'scram-sha-512';
    this.bootstrapServers = mskBootstrapBrokers(
      this,
      'BootstrapBrokers',
      this.cluster.attrArn,
      this.clientMethod,
    );
    this.clientEnvironment =
      this.clientMethod === 'iam'
        ? {
            KAFKA_BROKERS: this.bootstrapServers,
            KAFKA_AUTH: 'aws-iam',
            KAFKA_TLS: 'true',
            KAFKA_REGION: Stack.of(this).region,
          }
        : {
            KAFKA_BROKERS: this.bootstrapServers,
            KAFKA_AUTH: 'scram-sha-512',
            KAFKA_TLS: 'true',
            KAFKA_SECRET_ARN: (this.secret as secretsmanager.Secret).secretArn,
          };
  }

  grantProduce(grantee: iam.IGrantable, grant: ProduceGrant): void {
    const statements =
      this.clientMethod === 'iam'
        ? mskIamProduceStatements(this, this.cluster.attrArn, grant)
        : secretReadStatements(this.secret as secretsmanager.Secret, this.encryptionKey);
    for (const statement of statements) grantee.grantPrincipal.addToPrincipalPolicy(statement);
  }
}
