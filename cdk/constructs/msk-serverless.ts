import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import { mskBootstrapBrokers } from './aws-lookups.ts';
import type { BridgeNetwork } from './bridge-network.ts';
import { BrokerMode, type KafkaBroker, mskIamProduceStatements, type ProduceGrant } from './kafka-broker.ts';
import { MSK_PORTS } from './msk-provisioned.ts';

/** Props of an MskServerlessBroker. */
export interface MskServerlessBrokerProps {
  /** Where the cluster's endpoints live; the functions use the same network. */
  readonly network: BridgeNetwork;
  /**
   * Cluster name (letters, digits and hyphens).
   * @default `<stack name>-bridge`
   */
  readonly clusterName?: string;
}

/**
 * An Amazon MSK Serverless cluster for the bridge. Serverless speaks SASL/IAM over TLS only, so
 * the functions get IAM grants scoped to their topics and nothing else.
 */
export class MskServerlessBroker extends Construct implements KafkaBroker {
  readonly mode = BrokerMode.MskServerless;
  readonly auth = 'aws-iam' as const;
  readonly bootstrapServers: string;
  readonly network: BridgeNetwork;
  readonly secret = undefined;
  readonly secretKey = undefined;
  readonly clientEnvironment: Readonly<Record<string, string>>;
  /** The MSK Serverless cluster. */
  readonly cluster: msk.CfnServerlessCluster;
  /** The cluster endpoints' security group: ingress from the bridge functions on 9098 only. */
  readonly brokerSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: MskServerlessBrokerProps) {
    super(scope, id);
    const clusterName = props.clusterName ?? `${Stack.of(this).stackName}-bridge`;
    if (!/^[a-zA-Z0-9-]{1,64}$/.test(clusterName)) {
      throw new Error(
        `MskServerlessBroker: clusterName "${clusterName}" must be 1-64 letters, digits or hyphens`,
      );
    }
    this.network = props.network;
    this.brokerSecurityGroup = new ec2.SecurityGroup(this, 'BrokerSecurityGroup', {
      vpc: props.network.vpc,
      description: `${clusterName} endpoints: ingress from the bridge functions only`,
      allowAllOutbound: false,
    });
    this.cluster = new msk.CfnServerlessCluster(this, 'Cluster', {
      clusterName,
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfigs: [
        {
          subnetIds: props.network.vpc.selectSubnets(props.network.subnets).subnetIds,
          securityGroups: [this.brokerSecurityGroup.securityGroupId],
        },
      ],
    });
    props.network.allowBrokers(this.brokerSecurityGroup, [MSK_PORTS.iam]);
    this.bootstrapServers = mskBootstrapBrokers(this, 'BootstrapBrokers', this.cluster.attrArn, 'iam');
    this.clientEnvironment = {
      KAFKA_BROKERS: this.bootstrapServers,
      KAFKA_AUTH: 'aws-iam',
      KAFKA_TLS: 'true',
      KAFKA_REGION: Stack.of(this).region,
    };
  }

  grantProduce(grantee: iam.IGrantable, grant: ProduceGrant): void {
    for (const statement of mskIamProduceStatements(this, this.cluster.attrArn, grant)) {
      grantee.grantPrincipal.addToPrincipalPolicy(statement);
    }
  }
}
