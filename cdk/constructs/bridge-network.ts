import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { s3PrefixListId } from './aws-lookups.ts';

/** Props of a BridgeNetwork. */
export interface BridgeNetworkProps {
  /**
   * The VPC the functions (and MSK brokers) run in.
   * @default a new VPC over two AZs with isolated subnets only: no NAT and no internet gateway,
   * the functions reach AWS APIs through VPC endpoints.
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets for the functions, the endpoints and the brokers.
   * @default the VPC's isolated subnets when it was created here, else its private subnets
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * An interface endpoint for Secrets Manager, for SASL and webhook secrets. Turn it off when an
   * existing VPC already has one (a second private-DNS endpoint for a service fails) or has NAT.
   * @default true
   */
  readonly secretsManagerEndpoint?: boolean;
  /**
   * An interface endpoint for AWS Glue, for the Glue Schema Registry (`SCHEMA_REGISTRY=glue:...`).
   * Off when an existing VPC already has one or has NAT.
   * @default false
   */
  readonly glueEndpoint?: boolean;
  /**
   * HTTPS egress to S3's prefix list (the scheduled S3 source), through a gateway endpoint created
   * here for a new VPC; an existing VPC must route S3 through its own gateway endpoint.
   * @default false
   */
  readonly s3Access?: boolean;
  /**
   * HTTPS egress to any address, for an existing VPC that reaches AWS APIs through NAT instead of
   * endpoints (then usually with secretsManagerEndpoint off).
   * @default false
   */
  readonly httpsEgress?: boolean;
  /**
   * Retention of the flow logs of a VPC created here.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * Availability zones of a VPC created here; two is what MSK needs at least.
   * @default 2
   */
  readonly maxAzs?: number;
}

/**
 * The VPC side of the bridge: the functions' security group, which opens nothing by default and
 * gets one egress rule per broker port and endpoint, plus the endpoints functions need to reach
 * Secrets Manager (and S3) from subnets with no route to the internet.
 */
export class BridgeNetwork extends Construct {
  /** The VPC the functions run in. */
  readonly vpc: ec2.IVpc;
  /** The subnets the functions, endpoints and brokers use. */
  readonly subnets: ec2.SubnetSelection;
  /** Every bridge function's security group: no egress but to brokers and endpoints. */
  readonly functionSecurityGroup: ec2.SecurityGroup;
  /** The Secrets Manager endpoint, when created. */
  readonly secretsManagerEndpoint: ec2.InterfaceVpcEndpoint | undefined;
  /** The S3 gateway endpoint, when created. */
  readonly s3Endpoint: ec2.GatewayVpcEndpoint | undefined;
  /** The Glue endpoint (Glue Schema Registry), when created. */
  readonly glueEndpoint: ec2.InterfaceVpcEndpoint | undefined;

  constructor(scope: Construct, id: string, props: BridgeNetworkProps = {}) {
    super(scope, id);
    if (props.subnets && !props.vpc) {
      throw new Error('BridgeNetwork: subnets were given without the vpc they belong to; pass vpc as well');
    }
    if (props.maxAzs !== undefined && props.vpc) {
      throw new Error('BridgeNetwork: maxAzs applies only to a VPC created here; drop it or drop vpc');
    }
    if (props.maxAzs !== undefined && (!Number.isInteger(props.maxAzs) || props.maxAzs < 2)) {
      throw new Error(
        `BridgeNetwork: maxAzs must be an integer of at least 2 (MSK needs two AZs), got ${props.maxAzs}`,
      );
    }

    this.vpc = props.vpc ?? this.createVpc(props);
    this.subnets =
      props.subnets ??
      (props.vpc
        ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }
        : { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });

    this.functionSecurityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: 'kafka-lambda-bridge functions: egress to the Kafka brokers and VPC endpoints only',
      allowAllOutbound: false,
    });

    if (props.secretsManagerEndpoint ?? true) {
      this.secretsManagerEndpoint = this.interfaceEndpoint(
        'SecretsManager',
        ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        'bridge functions read their secrets',
      );
    }
    this.glueEndpoint = props.glueEndpoint
      ? this.interfaceEndpoint(
          'Glue',
          ec2.InterfaceVpcEndpointAwsService.GLUE,
          'bridge functions read schemas',
        )
      : undefined;

    if (props.httpsEgress && !props.vpc) {
      throw new Error(
        'BridgeNetwork: httpsEgress is for an existing VPC with NAT; a VPC created here has no route out',
      );
    }
    if (props.httpsEgress) {
      this.functionSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs through NAT');
    }

    if (props.s3Access ?? false) {
      // An imported VPC's route tables are unknown here; its owner routes S3 already.
      this.s3Endpoint = props.vpc
        ? undefined
        : this.vpc.addGatewayEndpoint('S3', {
            service: ec2.GatewayVpcEndpointAwsService.S3,
            subnets: [this.subnets],
          });
      // A gateway endpoint routes to S3's public addresses, which only its prefix list names.
      this.functionSecurityGroup.addEgressRule(
        ec2.Peer.prefixList(s3PrefixListId(this)),
        ec2.Port.tcp(443),
        'S3 through the gateway endpoint',
      );
    }
  }

  /**
   * Opens `ports` from the functions to the brokers: egress on the functions' group, and ingress
   * on the brokers' group when it is one of ours (a CIDR peer is someone else's network).
   */
  allowBrokers(brokers: ec2.ISecurityGroup | ec2.IPeer, ports: readonly number[]): void {
    for (const port of ports) {
      this.functionSecurityGroup.addEgressRule(brokers, ec2.Port.tcp(port), `Kafka brokers on ${port}`);
      if (isSecurityGroup(brokers)) {
        brokers.addIngressRule(this.functionSecurityGroup, ec2.Port.tcp(port), `bridge functions on ${port}`);
      }
    }
  }

  /** An interface endpoint with its own group, so it accepts HTTPS from the functions only and initiates nothing. */
  private interfaceEndpoint(
    id: string,
    service: ec2.InterfaceVpcEndpointAwsService,
    purpose: string,
  ): ec2.InterfaceVpcEndpoint {
    const endpointGroup = new ec2.SecurityGroup(this, `${id}EndpointSecurityGroup`, {
      vpc: this.vpc,
      description: `${id === 'SecretsManager' ? 'Secrets Manager' : id} endpoint: HTTPS from the bridge functions only`,
      allowAllOutbound: false,
    });
    const endpoint = this.vpc.addInterfaceEndpoint(id, {
      service,
      subnets: this.subnets,
      privateDnsEnabled: true,
      open: false,
      securityGroups: [endpointGroup],
    });
    endpoint.connections.allowDefaultPortFrom(this.functionSecurityGroup, purpose);
    return endpoint;
  }

  private createVpc(props: BridgeNetworkProps): ec2.Vpc {
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return new ec2.Vpc(this, 'Vpc', {
      maxAzs: props.maxAzs ?? 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'bridge', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 }],
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
  }
}

function isSecurityGroup(peer: ec2.ISecurityGroup | ec2.IPeer): peer is ec2.ISecurityGroup {
  return 'securityGroupId' in peer;
}
