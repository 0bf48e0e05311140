import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { logicalId, type ModeName, modeTemplate, templateOf } from './support.ts';

/** The broker port each mode opens, and only that one. */
const MSK_PORT: Record<string, number> = {
  'msk-serverless': 9098,
  'msk-provisioned (iam)': 9098,
  'msk-provisioned (scram)': 9096,
};
const MSK_MODES = Object.keys(MSK_PORT) as ModeName[];

interface Rule {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  CidrIp?: string;
  DestinationSecurityGroupId?: unknown;
  SourceSecurityGroupId?: unknown;
  DestinationPrefixListId?: unknown;
}

/** Every egress rule of a security group: inline ones and AWS::EC2::SecurityGroupEgress resources. */
function egressOf(template: Template, groupId: string): Rule[] {
  const group = template.findResources('AWS::EC2::SecurityGroup')[groupId];
  const inline = (group?.Properties.SecurityGroupEgress ?? []) as Rule[];
  const separate = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
    .filter((r) => JSON.stringify(r.Properties.GroupId).includes(`"${groupId}"`))
    .map((r) => r.Properties as Rule);
  return [...inline, ...separate];
}

/** Every ingress rule of a security group. */
function ingressOf(template: Template, groupId: string): Rule[] {
  const group = template.findResources('AWS::EC2::SecurityGroup')[groupId];
  const inline = (group?.Properties.SecurityGroupIngress ?? []) as Rule[];
  const separate = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
    .filter((r) => JSON.stringify(r.Properties.GroupId).includes(`"${groupId}"`))
    .map((r) => r.Properties as Rule);
  return [...inline, ...separate];
}

const groupRef = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });

describe.each(MSK_MODES)('network: %s', (mode) => {
  const port = MSK_PORT[mode] as number;

  it(`lets the functions out only to the brokers on ${port} and to the Secrets Manager endpoint on 443`, () => {
    const template = modeTemplate(mode);
    const functions = logicalId(template, 'AWS::EC2::SecurityGroup', 'NetworkFunctionSecurityGroup');
    const brokers = logicalId(
      template,
      'AWS::EC2::SecurityGroup',
      mode === 'msk-serverless' ? 'MskServerlessBrokerSecurityGroup' : 'MskBrokerSecurityGroup',
    );
    const endpoint = logicalId(
      template,
      'AWS::EC2::SecurityGroup',
      'NetworkSecretsManagerEndpointSecurityGroup',
    );
    expect(egressOf(template, functions)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          IpProtocol: 'tcp',
          FromPort: port,
          ToPort: port,
          DestinationSecurityGroupId: groupRef(brokers),
        }),
        expect.objectContaining({
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          DestinationSecurityGroupId: groupRef(endpoint),
        }),
      ]),
    );
    expect(egressOf(template, functions)).toHaveLength(2);
  });

  it(`admits only the functions to the brokers, on ${port}`, () => {
    const template = modeTemplate(mode);
    const functions = logicalId(template, 'AWS::EC2::SecurityGroup', 'NetworkFunctionSecurityGroup');
    const brokers = logicalId(
      template,
      'AWS::EC2::SecurityGroup',
      mode === 'msk-serverless' ? 'MskServerlessBrokerSecurityGroup' : 'MskBrokerSecurityGroup',
    );
    expect(ingressOf(template, brokers)).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        SourceSecurityGroupId: groupRef(functions),
      }),
    ]);
  });

  it('lets the brokers and the endpoint initiate nothing', () => {
    const template = modeTemplate(mode);
    for (const prefix of [
      'NetworkSecretsManagerEndpointSecurityGroup',
      mode === 'msk-serverless' ? 'MskServerlessBrokerSecurityGroup' : 'MskBrokerSecurityGroup',
    ]) {
      // CDK's placeholder for "no egress": one ICMP rule to 255.255.255.255/32.
      expect(egressOf(template, logicalId(template, 'AWS::EC2::SecurityGroup', prefix))).toEqual([
        expect.objectContaining({ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp' }),
      ]);
    }
  });

  it('opens nothing to 0.0.0.0/0', () => {
    const template = modeTemplate(mode);
    expect(JSON.stringify(template.toJSON())).not.toContain('0.0.0.0/0');
  });

  it('builds a VPC with isolated subnets only: no NAT, no internet gateway', () => {
    const template = modeTemplate(mode);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
  });

  it('reaches Secrets Manager through a private interface endpoint', () => {
    modeTemplate(mode).hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.secretsmanager']] },
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
    });
  });
});

describe('network: external (vpc, scram)', () => {
  const template = () => modeTemplate('external (vpc, scram)');

  it('lets the functions out to the broker CIDR on the bootstrap port and to the endpoint on 443 only', () => {
    const t = template();
    const functions = logicalId(t, 'AWS::EC2::SecurityGroup', 'NetworkFunctionSecurityGroup');
    const rules = egressOf(t, functions);
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ CidrIp: '10.20.0.0/16', IpProtocol: 'tcp', FromPort: 9096, ToPort: 9096 }),
        expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      ]),
    );
    expect(rules).toHaveLength(2);
  });

  it('uses the given VPC and subnets instead of creating any', () => {
    const t = template();
    t.resourceCountIs('AWS::EC2::VPC', 0);
    t.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: ['subnet-0aaa1111bbbb22223', 'subnet-0ccc3333dddd44445'] },
    });
  });

  it('opens HTTPS anywhere, and creates no endpoint, when the VPC reaches AWS through NAT', () => {
    const t = templateOf({
      brokerMode: 'external',
      bootstrapServers: '10.20.1.10:9096',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-AbCdEf',
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: 'subnet-0aaa1111bbbb22223',
      availabilityZones: 'eu-west-1a',
      brokerCidrs: '10.20.0.0/16',
      vpcEndpoints: 'false',
    });
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: Match.arrayWith([
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 }),
      ]),
    });
  });
});

describe('network: external (internet, plain)', () => {
  it('creates no VPC, security group or endpoint', () => {
    const t = modeTemplate('external (internet, plain)');
    t.resourceCountIs('AWS::EC2::VPC', 0);
    t.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });
});

describe('network: scheduled S3 source in the VPC', () => {
  const context = { brokerMode: 'msk-provisioned', scheduleSource: 's3://bridge-input/ndjson/' };

  it('adds an S3 gateway endpoint', () => {
    templateOf(context).hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
      VpcEndpointType: 'Gateway',
    });
  });

  it('lets the functions out to S3’s prefix list on 443 only', () => {
    const t = templateOf(context);
    const functions = logicalId(t, 'AWS::EC2::SecurityGroup', 'NetworkFunctionSecurityGroup');
    expect(egressOf(t, functions)).toContainEqual(
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        DestinationPrefixListId: {
          'Fn::GetAtt': [expect.stringMatching(/^NetworkS3PrefixListLookup/), 'PrefixLists.0.PrefixListId'],
        },
      }),
    );
  });
});
