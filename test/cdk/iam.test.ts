import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  EXTERNAL_KEY_ARN,
  EXTERNAL_SECRET_ARN,
  FUNCTION_IDS,
  IAM_MODES,
  MODE_NAMES,
  type ModeName,
  modeTemplate,
  roleActions,
  roleStatements,
  type Trigger,
  templateOf,
  VPC_MODES,
} from './support.ts';

const TRIGGERS = Object.keys(FUNCTION_IDS) as Trigger[];

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const ENI = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:UnassignPrivateIpAddresses',
];
// Idempotent producers by default (acks all): WriteDataIdempotently on the cluster.
const MSK_IAM = [
  'kafka-cluster:Connect',
  'kafka-cluster:DescribeTopic',
  'kafka-cluster:WriteData',
  'kafka-cluster:WriteDataIdempotently',
];
const CONSUME = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:ReceiveMessage',
];
const SEND = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];

/** What each mode's broker access needs, on top of logs and tracing. */
const BROKER_ACTIONS: Record<ModeName, string[]> = {
  'msk-serverless': MSK_IAM,
  'msk-provisioned (iam)': MSK_IAM,
  'msk-provisioned (scram)': ['kms:Decrypt', 'secretsmanager:GetSecretValue'],
  'external (internet, plain)': ['secretsmanager:GetSecretValue'],
  'external (vpc, scram)': ['kms:Decrypt', 'secretsmanager:GetSecretValue'],
};

/** What each trigger needs of its own. */
const TRIGGER_ACTIONS: Record<Trigger, string[]> = {
  webhook: ['secretsmanager:GetSecretValue'],
  sqs: CONSUME,
  eventbridge: SEND,
  scheduled: SEND,
};

const expectedActions = (mode: ModeName, trigger: Trigger): string[] =>
  [
    ...new Set([
      ...LOGS,
      ...XRAY,
      ...(VPC_MODES.includes(mode) ? ENI : []),
      ...BROKER_ACTIONS[mode],
      ...TRIGGER_ACTIONS[trigger],
    ]),
  ].sort();

/** `arn:...:topic/<cluster name>/<cluster uuid>/<topic>` as the template builds it. */
const topicArn = (clusterId: string, topic: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':kafka:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':topic/',
      { 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': [clusterId, 'Arn'] }] }] },
      '/',
      { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [clusterId, 'Arn'] }] }] },
      `/${topic}`,
    ],
  ],
});

const clusterIdOf = (mode: ModeName): string => {
  const type = mode === 'msk-serverless' ? 'AWS::MSK::ServerlessCluster' : 'AWS::MSK::Cluster';
  return Object.keys(modeTemplate(mode).findResources(type))[0] as string;
};

describe.each(MODE_NAMES)('IAM: %s', (mode) => {
  it.each(TRIGGERS)('allows the %s function exactly the actions it needs', (trigger) => {
    expect(roleActions(modeTemplate(mode), trigger)).toEqual(expectedActions(mode, trigger));
  });

  it('allows no wildcard action to any function', () => {
    for (const trigger of TRIGGERS) {
      for (const action of roleActions(modeTemplate(mode), trigger)) expect(action).not.toContain('*');
    }
  });

  it('grants wildcard resources only to X-Ray and network-interface actions', () => {
    for (const trigger of TRIGGERS) {
      for (const statement of roleStatements(modeTemplate(mode), trigger)) {
        if (!statement.Resource.includes('*')) continue;
        for (const action of statement.Action) expect([...XRAY, ...ENI]).toContain(action);
      }
    }
  });

  it('writes each function’s logs only to its own log group', () => {
    for (const trigger of TRIGGERS) {
      const logs = roleStatements(modeTemplate(mode), trigger).filter((s) =>
        s.Action.includes('logs:PutLogEvents'),
      );
      expect(logs).toEqual([
        expect.objectContaining({
          Resource: [{ 'Fn::GetAtt': [expect.stringMatching(`^${FUNCTION_IDS[trigger]}Logs`), 'Arn'] }],
        }),
      ]);
    }
  });
});

describe.each(IAM_MODES)('IAM, MSK IAM auth: %s', (mode) => {
  it('allows kafka-cluster:Connect and WriteDataIdempotently (the default producer) on the cluster only', () => {
    const connect = roleStatements(modeTemplate(mode), 'sqs').filter((s) =>
      s.Action.includes('kafka-cluster:Connect'),
    );
    expect(connect).toEqual([
      {
        Effect: 'Allow',
        Action: ['kafka-cluster:Connect', 'kafka-cluster:WriteDataIdempotently'],
        Resource: [{ 'Fn::GetAtt': [clusterIdOf(mode), 'Arn'] }],
      },
    ]);
  });

  it.each([
    ['webhook', 'webhooks'],
    ['sqs', 'events'],
    ['eventbridge', 'events'],
    ['scheduled', 'events'],
  ] as const)('allows the %s function DescribeTopic and WriteData on topic %s only', (trigger, topic) => {
    const writes = roleStatements(modeTemplate(mode), trigger).filter((s) =>
      s.Action.includes('kafka-cluster:WriteData'),
    );
    expect(writes).toEqual([
      {
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        Resource: [topicArn(clusterIdOf(mode), topic)],
      },
    ]);
  });
});

describe('IAM, MSK IAM auth with acks one (no idempotent producer possible)', () => {
  const context = { brokerMode: 'msk-provisioned', acks: 'one' };

  it('grants no WriteDataIdempotently and tells the functions not to be idempotent', () => {
    const template = templateOf(context);
    const actions = roleStatements(template, 'sqs').flatMap((s) => s.Action);
    expect(actions).not.toContain('kafka-cluster:WriteDataIdempotently');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ KAFKA_ACKS: 'one', KAFKA_IDEMPOTENT: 'false' }) },
    });
  });
});

describe('IAM, MSK IAM auth with idempotence and topic creation', () => {
  const context = { brokerMode: 'msk-provisioned', idempotent: 'true', autoCreateTopics: 'true' };

  it('adds WriteDataIdempotently on the cluster', () => {
    const statements = roleStatements(templateOf(context), 'sqs');
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: ['kafka-cluster:Connect', 'kafka-cluster:WriteDataIdempotently'] }),
    );
  });

  it('adds CreateTopic on the function’s topics', () => {
    const statements = roleStatements(templateOf(context), 'sqs');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
      }),
    );
  });

  it('tells the functions, so the producer does what it was granted', () => {
    const template = templateOf(context);
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Environment: {
          Variables: Match.objectLike({ KAFKA_IDEMPOTENT: 'true', KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'true' }),
        },
      },
      4,
    );
  });
});

describe('IAM, SASL secrets', () => {
  it('reads the MSK SCRAM secret and decrypts its CMK only through Secrets Manager for that secret', () => {
    const template = templateOf({ brokerMode: 'msk-provisioned', mskAuth: 'scram' });
    const secretId = Object.keys(template.findResources('AWS::SecretsManager::Secret')).find((id) =>
      id.startsWith('MskScramSecret'),
    );
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
    expect(roleStatements(template, 'sqs')).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: [{ 'Fn::GetAtt': [keyId, 'Arn'] }],
      Condition: {
        StringEquals: {
          'kms:ViaService': {
            'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
          },
        },
        StringLike: { 'kms:EncryptionContext:SecretARN': { Ref: secretId } },
      },
    });
  });

  it('reads the external secret by its ARN and decrypts with the given key', () => {
    const statements = roleStatements(modeTemplate('external (vpc, scram)'), 'eventbridge');
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [EXTERNAL_SECRET_ARN],
    });
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: ['kms:Decrypt'], Resource: [EXTERNAL_KEY_ARN] }),
    );
  });

  it('reads a secret given by its name-only ARN with the six-character suffix AWS appends', () => {
    const template = templateOf({
      brokerMode: 'external',
      bootstrapServers: 'kafka.example.com:9096',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka/bridge',
    });
    expect(roleStatements(template, 'sqs')).toContainEqual({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka/bridge-??????'],
    });
  });
});

describe('IAM, scheduled function with an S3 source', () => {
  const context = { scheduleSource: 's3://bridge-input/ndjson/' };
  const objects = (key: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::bridge-input/${key}`]],
  });

  it('allows S3 only on its prefix and its run lease: no DeleteObject, no PutObject on the data', () => {
    const s3Statements = roleStatements(templateOf(context), 'scheduled').filter((s) =>
      s.Action.some((a) => a.startsWith('s3:')),
    );
    expect(s3Statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::bridge-input']] }],
        Condition: { StringLike: { 's3:prefix': ['ndjson/*'] } },
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectTagging', 's3:PutObjectTagging'],
        Resource: [objects('ndjson/*')],
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: [objects('ndjson.kafka-bridge-lease')],
      },
    ]);
  });

  it('gives the other functions no S3 rights', () => {
    const template = templateOf(context);
    for (const trigger of ['webhook', 'sqs', 'eventbridge'] as const) {
      expect(roleActions(template, trigger).filter((a) => a.startsWith('s3:'))).toEqual([]);
    }
  });
});
