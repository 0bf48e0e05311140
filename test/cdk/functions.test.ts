import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { BridgeFunction } from '../../cdk/constructs/bridge-function.ts';
import { ExternalKafka } from '../../cdk/constructs/external-kafka.ts';
import { MALLOC_ENVIRONMENT } from '../../cdk/constructs/runtime-environment.ts';
import { FUNCTION_ENTRIES } from '../../cdk/paths.ts';
import { FUNCTION_MEMORY_MB } from '../../cdk/triggers/trigger-props.ts';
import {
  CDK_JSON_CONTEXT,
  environmentOf,
  FUNCTION_IDS,
  functionId,
  IAM_MODES,
  MODE_NAMES,
  type ModeName,
  modeTemplate,
  VPC_MODES,
} from './support.ts';

const TRIGGERS = Object.keys(FUNCTION_IDS) as (keyof typeof FUNCTION_IDS)[];

/** The KAFKA_AUTH each mode's functions use. */
const AUTH: Record<ModeName, string> = {
  'msk-serverless': 'aws-iam',
  'msk-provisioned (iam)': 'aws-iam',
  'msk-provisioned (scram)': 'scram-sha-512',
  'external (internet, plain)': 'plain',
  'external (vpc, scram)': 'scram-sha-512',
};

describe.each(MODE_NAMES)('bridge functions: %s', (mode) => {
  it('runs all four handlers on Node.js 22, ARM64, as ES modules with active tracing', () => {
    modeTemplate(mode).resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      },
      4,
    );
  });

  it.each(TRIGGERS)(
    'sizes the %s function from bench:memory, with the malloc settings it was measured with',
    (trigger) => {
      const template = modeTemplate(mode);
      const fn = template.findResources('AWS::Lambda::Function')[functionId(template, trigger)];
      expect(fn?.Properties.MemorySize).toBe(FUNCTION_MEMORY_MB[trigger]);
      expect(environmentOf(template, trigger)).toMatchObject(MALLOC_ENVIRONMENT);
    },
  );

  it.each(TRIGGERS)('gives the %s function its own log group with a retention', (trigger) => {
    const template = modeTemplate(mode);
    const logGroups = template.findResources('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
    });
    const logGroupId = Object.keys(logGroups).find((id) => id.startsWith(`${FUNCTION_IDS[trigger]}Logs`));
    expect(logGroupId).toBeDefined();
    template.hasResource('AWS::Lambda::Function', {
      Properties: { LoggingConfig: { LogGroup: { Ref: logGroupId } } },
    });
  });

  it.each(TRIGGERS)('points the %s function at the brokers with the mode’s auth', (trigger) => {
    const env = environmentOf(modeTemplate(mode), trigger);
    expect(env).toMatchObject({
      KAFKA_AUTH: AUTH[mode],
      KAFKA_TLS: 'true',
      KAFKA_ACKS: 'all',
      // Idempotent by default with acks all, as the Writer and the Java client are.
      KAFKA_IDEMPOTENT: 'true',
      KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'false',
    });
    expect(env.KAFKA_BROKERS).toBeDefined();
    if (IAM_MODES.includes(mode)) {
      expect(env.KAFKA_REGION).toEqual({ Ref: 'AWS::Region' });
      expect(env.KAFKA_SECRET_ARN).toBeUndefined();
    } else {
      expect(env.KAFKA_SECRET_ARN).toBeDefined();
      expect(env.KAFKA_REGION).toBeUndefined();
    }
  });

  it('configures the webhook function with its topics, signature scheme and secret', () => {
    const env = environmentOf(modeTemplate(mode), 'webhook');
    expect(env).toMatchObject({ WEBHOOK_TOPICS: 'webhooks', WEBHOOK_SIGNATURE: 'hmac-sha256' });
    expect(env.WEBHOOK_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^WebhookSecret/) });
    expect(env.WEBHOOK_SECRET).toBeUndefined();
  });

  it('configures the SQS function with its topic and SNS unwrapping', () => {
    expect(environmentOf(modeTemplate(mode), 'sqs')).toMatchObject({
      KAFKA_TOPIC: 'events',
      SQS_UNWRAP_SNS: 'false',
    });
  });

  it('configures the EventBridge function with its default topic', () => {
    expect(environmentOf(modeTemplate(mode), 'eventbridge')).toMatchObject({ KAFKA_TOPIC: 'events' });
  });

  it('configures the scheduled function with the input source', () => {
    expect(environmentOf(modeTemplate(mode), 'scheduled')).toMatchObject({
      KAFKA_TOPIC: 'events',
      SCHEDULE_SOURCE: 'input',
    });
  });

  it(`runs the functions ${VPC_MODES.includes(mode) ? 'in' : 'outside'} a VPC`, () => {
    const template = modeTemplate(mode);
    const vpcConfig = VPC_MODES.includes(mode)
      ? {
          SubnetIds: Match.anyValue(),
          SecurityGroupIds: [
            { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkFunctionSecurityGroup'), 'GroupId'] },
          ],
        }
      : Match.absent();
    for (const trigger of TRIGGERS) {
      const id = functionId(template, trigger);
      expect(
        template.findResources('AWS::Lambda::Function', { Properties: { VpcConfig: vpcConfig } }),
      ).toHaveProperty(id);
    }
  });
});

describe('BridgeFunction', () => {
  const build = (environment: Record<string, string>) => {
    const stack = new Stack(
      new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } }),
      'Test',
    );
    const broker = new ExternalKafka(stack, 'Kafka', { bootstrapServers: 'kafka.example.com:9092' });
    const fn = new BridgeFunction(stack, 'Fn', {
      entry: FUNCTION_ENTRIES.sqs,
      broker,
      produce: { topics: ['t'], idempotent: false, allowAutoTopicCreation: false },
      environment,
    });
    return { stack, fn };
  };

  it('defaults to the memory of the largest input measured, 256 MB', () => {
    const { stack } = build({ KAFKA_TOPIC: 't' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { MemorySize: 256 });
  });

  it('merges the trigger environment into the KAFKA_* one instead of replacing it', () => {
    const { stack, fn } = build({ KAFKA_TOPIC: 't', SQS_KEY: 'group' });
    fn.addEnvironment('SQS_UNWRAP_SNS', 'true');
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          KAFKA_BROKERS: 'kafka.example.com:9092',
          KAFKA_AUTH: 'none',
          KAFKA_TOPIC: 't',
          SQS_KEY: 'group',
          SQS_UNWRAP_SNS: 'true',
        }),
      },
    });
  });

  it('refuses an environment that overrides what the broker props decide (grants follow them)', () => {
    expect(() => build({ KAFKA_BROKERS: 'elsewhere:9092' })).toThrow(
      /KAFKA_BROKERS, which follows the broker/,
    );
  });

  it('refuses credentials in plain environment variables', () => {
    expect(() => build({ KAFKA_PASSWORD: 'hunter2' })).toThrow(
      /readable in the console; use a Secrets Manager secret/,
    );
  });
});
