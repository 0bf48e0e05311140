import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { bridgeContext } from '../../cdk/context.ts';
import { ExternalKafka, WebhookToKafka } from '../../cdk/index.ts';
import { EXTERNAL_SECRET_ARN, MODES, templateOf } from './support.ts';

/** A user's stack with one webhook path; bundling skipped, the template is what is asserted. */
function webhookStack(props: Partial<ConstructorParameters<typeof WebhookToKafka>[2]> = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'UserStack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const broker = new ExternalKafka(stack, 'Kafka', {
    bootstrapServers: 'b1.example.com:9096',
    secretArn: EXTERNAL_SECRET_ARN,
  });
  new WebhookToKafka(stack, 'Hooks', { broker, ...props });
  return Template.fromStack(stack);
}

/** The IAM statements that name a DynamoDB action, with the roles they are attached to. */
function dynamoStatements(template: Template) {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
      .filter((s) => JSON.stringify(s.Action).includes('dynamodb:'))
      .map((s) => ({
        roles: JSON.stringify(policy.Properties.Roles),
        action: s.Action,
        resource: s.Resource,
      })),
  );
}

describe('WebhookToKafka idempotency', () => {
  it('creates no table, grants nothing and sets no variable when off (the default)', () => {
    const template = webhookStack();
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(dynamoStatements(template)).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.not(Match.objectLike({ WEBHOOK_IDEMPOTENCY_TABLE: Match.anyValue() })),
      },
    });
  });

  it('creates an on-demand table with TTL on expiration, keyed by id, removed with the stack', () => {
    const template = webhookStack({ idempotency: true });
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  it('names the table to the function, with the window when one is given', () => {
    const template = webhookStack({ idempotency: { ttl: Duration.hours(6) } });
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0] as string;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          WEBHOOK_IDEMPOTENCY_TABLE: { Ref: tableId },
          WEBHOOK_IDEMPOTENCY_TTL_SECONDS: '21600',
        }),
      },
    });
  });

  it('grants the webhook function Get/Put/Update/DeleteItem on that table alone', () => {
    const template = webhookStack({ idempotency: true });
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0] as string;
    const statements = dynamoStatements(template);
    expect(statements).toHaveLength(1);
    expect([...((statements[0]?.action ?? []) as string[])].sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(statements[0]?.resource).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
    expect(statements[0]?.roles).toMatch(/HooksFunction/);
  });

  it('keeps the table when asked to', () => {
    const template = webhookStack({ idempotency: { removalPolicy: RemovalPolicy.RETAIN } });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  it.each([Duration.seconds(0), Duration.days(31), Duration.millis(1500)])(
    'refuses a window of %s',
    (ttl) => {
      expect(() => webhookStack({ idempotency: { ttl } })).toThrow(/idempotency.ttl must be whole seconds/);
    },
  );
});

describe('the webhookIdempotency context keys', () => {
  const read = (context: Record<string, string>) => (key: string) => context[key];

  it('turn deduplication on, with an optional window', () => {
    expect(bridgeContext(read({ webhookIdempotency: 'true' })).props.webhookIdempotency).toBe(true);
    const windowed = bridgeContext(read({ webhookIdempotency: 'true', webhookIdempotencyTtlSeconds: '600' }));
    expect(windowed.props.webhookIdempotency).toEqual({ ttl: Duration.seconds(600) });
  });

  it('name a window given without deduplication', () => {
    expect(() => bridgeContext(read({ webhookIdempotencyTtlSeconds: '600' }))).toThrow(
      /webhookIdempotencyTtlSeconds is set but webhookIdempotency is not true/,
    );
  });

  it('synthesize a stack that passes cdk-nag, with the table beside the webhook function', () => {
    const template = templateOf({ ...MODES['msk-serverless'], webhookIdempotency: 'true' });
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(dynamoStatements(template)[0]?.roles).toMatch(/WebhookFunction/);
  });
});
