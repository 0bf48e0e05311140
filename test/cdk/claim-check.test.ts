import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { bridgeContext } from '../../cdk/context.ts';
import { ExternalKafka, WebhookToKafka } from '../../cdk/index.ts';
import {
  EXTERNAL_SECRET_ARN,
  environmentOf,
  FUNCTION_IDS,
  roleStatements,
  type Trigger,
  templateOf,
} from './support.ts';

const TRIGGERS = Object.keys(FUNCTION_IDS) as Trigger[];
const EXTERNAL = {
  brokerMode: 'external',
  bootstrapServers: 'b1.example.com:9096',
  secretArn: EXTERNAL_SECRET_ARN,
};
const CLAIM_CHECK = { ...EXTERNAL, claimCheckBucket: 'orders-claims', claimCheckPrefix: 'kafka' };

/** The statements of a trigger's role that name the claim-check bucket. */
function claimCheckStatements(template: Template, trigger: Trigger) {
  return roleStatements(template, trigger).filter((s) =>
    JSON.stringify(s.Resource).includes('orders-claims'),
  );
}

describe('the claim check in the stack', () => {
  it('is off by default: no KAFKA_CLAIM_CHECK_* and no S3 writes', () => {
    const template = templateOf(EXTERNAL);
    for (const trigger of TRIGGERS) {
      expect(
        Object.keys(environmentOf(template, trigger)).filter((k) => k.startsWith('KAFKA_CLAIM')),
      ).toEqual([]);
      expect(roleStatements(template, trigger).flatMap((s) => s.Action)).not.toContain('s3:PutObject');
    }
  });

  it.each(TRIGGERS)(
    'lets the %s function put objects under the prefix only, and sets its variables',
    (trigger) => {
      const template = templateOf({ ...CLAIM_CHECK, claimCheckThresholdBytes: '500000' });
      expect(environmentOf(template, trigger)).toMatchObject({
        KAFKA_CLAIM_CHECK_BUCKET: 'orders-claims',
        KAFKA_CLAIM_CHECK_PREFIX: 'kafka',
        KAFKA_CLAIM_CHECK_THRESHOLD_BYTES: '500000',
      });
      const statements = claimCheckStatements(template, trigger);
      expect(statements.map((s) => s.Action)).toEqual([['s3:PutObject']]);
      expect(JSON.stringify(statements[0]?.Resource)).toContain(':s3:::orders-claims/kafka/*');
    },
  );

  it('routes S3 through a gateway endpoint when the functions run in the stack-made VPC', () => {
    const template = templateOf({ claimCheckBucket: 'orders-claims' });
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint'));
    expect(endpoints.some((e) => JSON.stringify(e.Properties.ServiceName).includes('.s3'))).toBe(true);
  });

  it('names context keys given without claimCheckBucket', () => {
    expect(() =>
      bridgeContext((key) => ({ claimCheckPrefix: 'p', claimCheckThresholdBytes: 'big' })[key]),
    ).toThrow(
      /claimCheckThresholdBytes must be an integer.*\n- claimCheckPrefix applies only with claimCheckBucket\n- claimCheckThresholdBytes applies only with claimCheckBucket/s,
    );
  });
});

describe('the claim check on a trigger construct', () => {
  function stack() {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const s = new Stack(app, 'UserStack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const broker = new ExternalKafka(s, 'Kafka', {
      bootstrapServers: 'b1:9096',
      secretArn: EXTERNAL_SECRET_ARN,
    });
    return { s, broker };
  }

  it('sets the variables and the grant on that function', () => {
    const { s, broker } = stack();
    new WebhookToKafka(s, 'Hooks', { broker, signature: 'none', claimCheck: { bucketName: 'user-claims' } });
    const template = Template.fromStack(s);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fn?.Properties.Environment.Variables.KAFKA_CLAIM_CHECK_BUCKET).toBe('user-claims');
    expect(fn?.Properties.Environment.Variables.KAFKA_CLAIM_CHECK_PREFIX).toBeUndefined();
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(':s3:::user-claims/*');
  });

  it('refuses an invalid bucket name or threshold at synth', () => {
    const { s, broker } = stack();
    expect(
      () =>
        new WebhookToKafka(s, 'A', { broker, signature: 'none', claimCheck: { bucketName: 'Bad_Bucket' } }),
    ).toThrow(/claimCheck.bucketName "Bad_Bucket" is not a valid S3 bucket name/);
    expect(
      () =>
        new WebhookToKafka(s, 'B', {
          broker,
          signature: 'none',
          claimCheck: { bucketName: 'ok-bucket', thresholdBytes: 0 },
        }),
    ).toThrow(/claimCheck.thresholdBytes must be a positive integer/);
  });
});
