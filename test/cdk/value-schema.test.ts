import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { bridgeContext } from '../../cdk/context.ts';
import { ExternalKafka, SqsToKafka, WebhookToKafka } from '../../cdk/index.ts';
import { ensureCfnLint } from '../../scripts/cfn-lint/install.ts';
import { lintTemplates } from '../../scripts/cfn-lint/lint.ts';
import {
  EXTERNAL_SECRET_ARN,
  environmentOf,
  FUNCTION_IDS,
  MODES,
  roleStatements,
  type Statement,
  type Trigger,
  tempDir,
  templateOf,
} from './support.ts';

const TRIGGERS = Object.keys(FUNCTION_IDS) as Trigger[];
const REGISTRY_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry/bridge-XyZ123';
const EXTERNAL = MODES['external (internet, plain)'];
const CONFLUENT = {
  ...EXTERNAL,
  valueFormat: 'avro',
  schemaRegistryUrl: 'https://psrc-1.eu-west-1.aws.confluent.cloud',
  schemaRegistrySecretArn: REGISTRY_SECRET_ARN,
};
const GLUE = { ...MODES['msk-serverless'], valueFormat: 'json-schema', glueRegistryName: 'orders' };

const mentions = (fragment: string) => (s: Statement) => JSON.stringify(s.Resource).includes(fragment);
const glueStatements = (template: Template, trigger: Trigger) =>
  roleStatements(template, trigger).filter((s) => s.Action.some((a) => a.startsWith('glue:')));

describe('schema serialization in the stack', () => {
  // Synthesizing (and installing cfn-lint on a first run) takes minutes on a busy machine: done once, here.
  beforeAll(async () => {
    for (const context of [EXTERNAL, CONFLUENT, GLUE, MODES['msk-serverless']]) templateOf(context);
    await ensureCfnLint();
  }, 600_000);

  it('is off by default: no KAFKA_VALUE_FORMAT or SCHEMA_*, no registry grants', () => {
    const template = templateOf(EXTERNAL);
    for (const trigger of TRIGGERS) {
      const names = Object.keys(environmentOf(template, trigger));
      expect(names.filter((k) => k.startsWith('SCHEMA_') || k === 'KAFKA_VALUE_FORMAT')).toEqual([]);
      expect(roleStatements(template, trigger).filter(mentions('registry/bridge'))).toEqual([]);
      expect(glueStatements(template, trigger)).toEqual([]);
    }
  });

  it.each(TRIGGERS)(
    'gives the %s function the registry URL, its secret and GetSecretValue on that secret alone',
    (trigger) => {
      const template = templateOf({
        ...CONFLUENT,
        subjectStrategy: 'topic-record',
        schemaRecordName: 'shop.Order',
      });
      expect(environmentOf(template, trigger)).toMatchObject({
        KAFKA_VALUE_FORMAT: 'avro',
        SCHEMA_REGISTRY_URL: 'https://psrc-1.eu-west-1.aws.confluent.cloud',
        SCHEMA_REGISTRY_SECRET_ARN: REGISTRY_SECRET_ARN,
        SCHEMA_SUBJECT_STRATEGY: 'topic-record',
        SCHEMA_RECORD_NAME: 'shop.Order',
      });
      // CDK merges it into the broker secret's statement: GetSecretValue on the two secrets, nothing else.
      const statements = roleStatements(template, trigger).filter(mentions('registry/bridge'));
      expect(statements.map((s) => s.Action)).toEqual([['secretsmanager:GetSecretValue']]);
      expect(statements[0]?.Resource).toContain(REGISTRY_SECRET_ARN);
      expect(statements[0]?.Resource.filter((r) => typeof r === 'string' && r.includes('*'))).toEqual([]);
    },
  );

  it.each(TRIGGERS)(
    'lets the %s function read schema versions of its Glue registry only, and reach Glue from the VPC',
    (trigger) => {
      const template = templateOf(GLUE);
      expect(environmentOf(template, trigger)).toMatchObject({
        KAFKA_VALUE_FORMAT: 'json-schema',
        SCHEMA_REGISTRY: 'glue:orders',
      });
      const statements = glueStatements(template, trigger);
      expect(statements.map((s) => s.Action)).toEqual([['glue:GetSchemaVersion']]);
      const resources = JSON.stringify(statements[0]?.Resource);
      expect(resources).toContain(':registry/orders"');
      expect(resources).toContain(':schema/orders/*"');
      expect(resources).not.toMatch(/"\*"/);
    },
  );

  it('adds the registration actions only with auto-registration', () => {
    const template = templateOf({
      ...GLUE,
      autoRegisterSchemas: 'true',
      schemaDefinition: '{"type":"object"}',
    });
    expect(
      glueStatements(template, 'sqs')
        .flatMap((s) => s.Action)
        .sort(),
    ).toEqual([
      'glue:CreateSchema',
      'glue:GetSchemaByDefinition',
      'glue:GetSchemaVersion',
      'glue:RegisterSchemaVersion',
    ]);
  });

  it('creates a Glue interface endpoint the functions may reach, in the VPC an MSK mode creates', () => {
    const template = templateOf(GLUE);
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint'));
    expect(endpoints.some((e) => JSON.stringify(e.Properties.ServiceName).includes('.glue'))).toBe(true);
    expect(
      Object.values(templateOf(MODES['msk-serverless']).findResources('AWS::EC2::VPCEndpoint')).some((e) =>
        JSON.stringify(e.Properties.ServiceName).includes('.glue'),
      ),
    ).toBe(false);
  });

  it("opens the registry's port from the functions' group in an external VPC", () => {
    const template = templateOf({
      ...MODES['external (vpc, scram)'],
      valueFormat: 'protobuf',
      schemaRegistryUrl: 'http://10.20.9.9:8081/apis/ccompat/v7',
    });
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroup')).flatMap(
      (g) => (g.Properties.SecurityGroupEgress ?? []) as { FromPort: number; Description: string }[],
    );
    expect(egress.filter((rule) => rule.Description === 'schema registry').map((r) => r.FromPort)).toEqual([
      8081,
    ]);
  });

  it('refuses a registry URL where the functions have no route out (an MSK mode)', () => {
    expect(() =>
      templateOf({ ...MODES['msk-serverless'], valueFormat: 'avro', schemaRegistryUrl: 'https://r' }),
    ).toThrow(/schemaRegistry.url cannot be reached from the VPC an MSK mode creates/);
  });

  it('passes cfn-lint with a registry of either kind', async () => {
    const dir = await tempDir('value-schema-lint-');
    const files: string[] = [];
    for (const [name, context] of Object.entries({ confluent: CONFLUENT, glue: GLUE })) {
      const file = join(dir, `${name}.json`);
      await writeFile(file, JSON.stringify(templateOf(context).toJSON()));
      files.push(file);
    }
    const findings = await lintTemplates(files);
    expect(
      findings.filter((f) => f.level === 'Error').map((e) => `${e.rule} ${e.path}: ${e.message}`),
    ).toEqual([]);
  }, 120_000);
});

describe('schema context keys', () => {
  const read = (values: Record<string, string>) => (key: string) => values[key];

  it('map to the construct props', () => {
    const { props } = bridgeContext(
      read({ ...CONFLUENT, schemaVersion: '4', schemaIdInHeader: 'true', autoRegisterSchemas: 'false' }),
    );
    expect(props).toMatchObject({
      valueFormat: 'avro',
      schemaRegistry: { url: 'https://psrc-1.eu-west-1.aws.confluent.cloud', secret: REGISTRY_SECRET_ARN },
      schemaVersion: 4,
      schemaIdInHeader: true,
      autoRegisterSchemas: false,
    });
    expect(bridgeContext(read(GLUE)).props.schemaRegistry).toEqual({ glueRegistryName: 'orders' });
    expect(bridgeContext(read({ ...GLUE, schemaVersion: 'latest' })).props.schemaVersion).toBe('latest');
  });

  it('name every mistake at once', () => {
    expect(() =>
      bridgeContext(
        read({
          valueFormat: 'thrift',
          schemaRegistryUrl: 'https://r',
          glueRegistryName: 'g',
          glueCompression: 'gzip',
          schemaVersion: 'newest',
        }),
      ),
    ).toThrow(
      /set schemaRegistryUrl or glueRegistryName, not both\n- valueFormat must be one of raw, avro, json-schema, protobuf, got "thrift"\n- schemaVersion must be an integer, got "newest"\n- glueCompression must be one of none, zlib, got "gzip"/,
    );
    expect(() => bridgeContext(read({ schemaRegistrySecretArn: REGISTRY_SECRET_ARN }))).toThrow(
      /schemaRegistrySecretArn applies only with schemaRegistryUrl/,
    );
  });
});

describe('schema serialization on a trigger construct', () => {
  function stack() {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const s = new Stack(app, 'UserStack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const broker = new ExternalKafka(s, 'Kafka', {
      bootstrapServers: 'b1:9096',
      secretArn: EXTERNAL_SECRET_ARN,
    });
    return { s, broker };
  }

  it("takes the registry's secret as an ISecret and grants it with its key", () => {
    const { s, broker } = stack();
    const key = new kms.Key(s, 'RegistryKey', { enableKeyRotation: true });
    const secret = new secretsmanager.Secret(s, 'RegistrySecret', { encryptionKey: key });
    new SqsToKafka(s, 'Orders', {
      broker,
      topic: 'orders',
      valueFormat: 'protobuf',
      schemaRegistry: { url: 'https://registry.example.com', secret },
      schemaRecordName: 'shop.v1.Order',
    });
    const template = Template.fromStack(s);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const variables = fn?.Properties.Environment.Variables;
    expect(variables.SCHEMA_REGISTRY_URL).toBe('https://registry.example.com');
    expect(variables.SCHEMA_REGISTRY_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^RegistrySecret/) });
    expect(variables.SCHEMA_RECORD_NAME).toBe('shop.v1.Order');
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('secretsmanager:GetSecretValue');
    expect(policies).toContain('kms:Decrypt');
  });

  it.each([
    [{ valueFormat: 'avro' as const }, /valueFormat 'avro' needs schemaRegistry/],
    [{ schemaRegistry: { glueRegistryName: 'r' } }, /schemaRegistry need a valueFormat other than 'raw'/],
    [
      { valueFormat: 'avro' as const, schemaRegistry: { url: 'https://u:p@r.example.com' } },
      /schemaRegistry.url must not carry credentials/,
    ],
    [
      { valueFormat: 'avro' as const, schemaRegistry: { url: 'https://r', secret: 'not-an-arn' } },
      /schemaRegistry.secret "not-an-arn" is not a Secrets Manager secret ARN/,
    ],
    [
      { valueFormat: 'avro' as const, schemaRegistry: { glueRegistryName: 'r' }, schemaIdInHeader: true },
      /schemaIdInHeader applies to Confluent-compatible registries/,
    ],
    [
      {
        valueFormat: 'avro' as const,
        schemaRegistry: { url: 'https://r' },
        glueCompression: 'zlib' as const,
      },
      /glueCompression applies only to a Glue registry/,
    ],
    [
      { valueFormat: 'avro' as const, schemaRegistry: { url: 'https://r' }, autoRegisterSchemas: true },
      /autoRegisterSchemas needs schemaDefinition/,
    ],
    [
      { valueFormat: 'avro' as const, schemaRegistry: { url: 'https://r' }, schemaDefinition: '"string"' },
      /schemaDefinition is used only with autoRegisterSchemas/,
    ],
    [
      {
        valueFormat: 'avro' as const,
        schemaRegistry: { url: 'https://r' },
        subjectStrategy: 'record' as const,
      },
      /subjectStrategy 'record' needs schemaRecordName/,
    ],
    [
      { valueFormat: 'avro' as const, schemaRegistry: { url: 'https://r' }, schemaVersion: 0 },
      /schemaVersion must be 'latest' or a version number from 1, got 0/,
    ],
  ])('refuses %o at synth', (props, message) => {
    const { s, broker } = stack();
    expect(() => new WebhookToKafka(s, 'Hooks', { broker, signature: 'none', ...props })).toThrow(message);
  });

  it('keeps the registry variables out of reach of `environment`', () => {
    const { s, broker } = stack();
    const hooks = new WebhookToKafka(s, 'Hooks', { broker, signature: 'none' });
    expect(() => hooks.function.addEnvironment('SCHEMA_REGISTRY_URL', 'https://elsewhere')).toThrow(
      /environment sets SCHEMA_REGISTRY_URL/,
    );
  });
});
