import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { logicalId, modeTemplate, templateOf } from './support.ts';

describe('MSK provisioned', () => {
  it('accepts SASL/IAM only, over TLS, by default', () => {
    modeTemplate('msk-provisioned (iam)').hasResourceProperties('AWS::MSK::Cluster', {
      ClientAuthentication: {
        Sasl: { Iam: { Enabled: true }, Scram: { Enabled: false } },
        Unauthenticated: { Enabled: false },
      },
      EncryptionInfo: Match.objectLike({ EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true } }),
    });
  });

  it('encrypts broker volumes with its customer-managed key, which rotates', () => {
    const template = modeTemplate('msk-provisioned (iam)');
    const keyId = logicalId(template, 'AWS::KMS::Key', 'MskKey');
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::MSK::Cluster', {
      EncryptionInfo: Match.objectLike({
        EncryptionAtRest: { DataVolumeKMSKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      }),
    });
  });

  it('puts one broker in each of the VPC’s two subnets, and logs to CloudWatch', () => {
    const template = modeTemplate('msk-provisioned (iam)');
    template.hasResourceProperties('AWS::MSK::Cluster', {
      NumberOfBrokerNodes: 2,
      LoggingInfo: { BrokerLogs: { CloudWatchLogs: Match.objectLike({ Enabled: true }) } },
    });
    const cluster = Object.values(template.findResources('AWS::MSK::Cluster'))[0];
    expect(cluster?.Properties.BrokerNodeGroupInfo.ClientSubnets).toHaveLength(2);
  });

  it('creates no SCRAM secret when the functions use IAM', () => {
    const secrets = modeTemplate('msk-provisioned (iam)').findResources('AWS::SecretsManager::Secret');
    expect(Object.keys(secrets).filter((id) => id.startsWith('MskScramSecret'))).toEqual([]);
  });

  it('reads bootstrap servers with kafka:GetBootstrapBrokers on the cluster only', () => {
    const template = modeTemplate('msk-provisioned (iam)');
    const clusterId = logicalId(template, 'AWS::MSK::Cluster', 'MskCluster');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'kafka:GetBootstrapBrokers',
            Resource: { 'Fn::GetAtt': [clusterId, 'Arn'] },
          },
        ],
      },
    });
  });
});

describe('MSK provisioned with SCRAM', () => {
  const template = () => modeTemplate('msk-provisioned (scram)');

  it('accepts SASL/SCRAM only', () => {
    template().hasResourceProperties('AWS::MSK::Cluster', {
      ClientAuthentication: Match.objectLike({ Sasl: { Iam: { Enabled: false }, Scram: { Enabled: true } } }),
    });
  });

  it('names the secret AmazonMSK_… and encrypts it with the cluster’s customer-managed key', () => {
    const t = template();
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'AmazonMSK_KafkaLambdaBridge-bridge_bridge',
      KmsKeyId: { 'Fn::GetAtt': [logicalId(t, 'AWS::KMS::Key', 'MskKey'), 'Arn'] },
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: '{"username":"bridge"}',
        GenerateStringKey: 'password',
      }),
    });
  });

  it('associates the secret with the cluster', () => {
    const t = template();
    t.hasResourceProperties('AWS::MSK::BatchScramSecret', {
      ClusterArn: { 'Fn::GetAtt': [logicalId(t, 'AWS::MSK::Cluster', 'MskCluster'), 'Arn'] },
      SecretArnList: [{ Ref: logicalId(t, 'AWS::SecretsManager::Secret', 'MskScramSecret') }],
    });
  });

  it('hands the functions the secret’s ARN and the SCRAM bootstrap servers', () => {
    const t = template();
    t.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Environment: {
          Variables: Match.objectLike({
            KAFKA_SECRET_ARN: { Ref: logicalId(t, 'AWS::SecretsManager::Secret', 'MskScramSecret') },
            KAFKA_BROKERS: {
              'Fn::GetAtt': [
                Match.stringLikeRegexp('^MskBootstrapBrokers'),
                'BootstrapBrokerStringSaslScram',
              ],
            },
          }),
        },
      },
      4,
    );
  });
});

describe('MSK provisioned with IAM and SCRAM', () => {
  const context = { brokerMode: 'msk-provisioned', mskAuth: 'iam,scram' };

  it('enables both mechanisms on the cluster', () => {
    templateOf(context).hasResourceProperties('AWS::MSK::Cluster', {
      ClientAuthentication: Match.objectLike({ Sasl: { Iam: { Enabled: true }, Scram: { Enabled: true } } }),
    });
  });

  it('creates and associates the AmazonMSK_ secret for the other clients, while the functions use IAM', () => {
    const t = templateOf(context);
    t.resourceCountIs('AWS::MSK::BatchScramSecret', 1);
    t.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Environment: { Variables: Match.objectLike({ KAFKA_AUTH: 'aws-iam' }) } },
      4,
    );
  });
});

describe('MSK Serverless', () => {
  it('accepts SASL/IAM only, in the stack’s VPC behind its own security group', () => {
    const t = modeTemplate('msk-serverless');
    t.hasResourceProperties('AWS::MSK::ServerlessCluster', {
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
      VpcConfigs: [
        Match.objectLike({
          SecurityGroups: [
            {
              'Fn::GetAtt': [
                logicalId(t, 'AWS::EC2::SecurityGroup', 'MskServerlessBrokerSecurityGroup'),
                'GroupId',
              ],
            },
          ],
        }),
      ],
    });
    const cluster = Object.values(t.findResources('AWS::MSK::ServerlessCluster'))[0];
    expect(cluster?.Properties.VpcConfigs[0].SubnetIds).toHaveLength(2);
  });

  it('creates no secret for Kafka and no customer-managed key', () => {
    const t = modeTemplate('msk-serverless');
    t.resourceCountIs('AWS::KMS::Key', 0);
    expect(Object.keys(t.findResources('AWS::SecretsManager::Secret'))).toEqual([
      expect.stringMatching(/^WebhookSecret/),
    ]);
  });
});
