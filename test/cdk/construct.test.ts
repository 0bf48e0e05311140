import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ExternalKafka, KafkaLambdaBridge, ScheduleToKafka, SqsToKafka } from '../../cdk/index.ts';
import { EXTERNAL_SECRET_ARN, templateOf } from './support.ts';

/** A user's own app and stack; bundling skipped, the template is what is asserted. */
function userStack(): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'UserStack', { env: { account: '123456789012', region: 'eu-west-1' } });
}

const EXTERNAL = {
  mode: 'external',
  bootstrapServers: 'b1.example.com:9096,b2.example.com:9096',
  secretArn: EXTERNAL_SECRET_ARN,
} as const;

describe('KafkaLambdaBridge in a user stack', () => {
  it('deploys every trigger by default, named under the id the user gave', () => {
    const stack = userStack();
    const bridge = new KafkaLambdaBridge(stack, 'Bridge', { broker: EXTERNAL });
    const template = Template.fromStack(stack);
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
    for (const prefix of [
      'BridgeWebhookFunction',
      'BridgeSqsFunction',
      'BridgeEventBridgeFunction',
      'BridgeScheduledFunction',
    ]) {
      expect(functions.filter((id) => id.startsWith(prefix))).toHaveLength(1);
    }
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          KAFKA_BROKERS: EXTERNAL.bootstrapServers,
          KAFKA_SECRET_ARN: EXTERNAL_SECRET_ARN,
        }),
      },
    });
    expect(bridge.webhook?.api.webhookUrl).toBeDefined();
    expect(Object.keys(bridge.alarms.alarms).length).toBeGreaterThan(0);
  });

  it('deploys only the chosen triggers, with alarms for those alone', () => {
    const stack = userStack();
    const bridge = new KafkaLambdaBridge(stack, 'Bridge', {
      broker: EXTERNAL,
      triggers: { webhook: false, sqs: true, eventBridge: false, schedule: false },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(bridge.webhook).toBeUndefined();
    expect(bridge.sqs).toBeDefined();
    const alarms = Object.keys(bridge.alarms.alarms);
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms.filter((name) => !name.toLowerCase().includes('sqs'))).toEqual([]);
  });

  it('refuses a bridge with every trigger left out', () => {
    expect(
      () =>
        new KafkaLambdaBridge(userStack(), 'Bridge', {
          broker: EXTERNAL,
          triggers: { webhook: false, sqs: false, eventBridge: false, schedule: false },
        }),
    ).toThrow(/leaves every trigger out/);
  });
});

describe('names of the resources that need one', () => {
  it('differ between two bridges in one stack, and stay within the services limits', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'AVeryLongStackNameForAnIngestionPlatformOfManyTeams', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const orders = new KafkaLambdaBridge(stack, 'OrdersBridgeForTheEuropeanMarket', {});
    const payments = new KafkaLambdaBridge(stack, 'PaymentsBridgeForTheEuropeanMarket', {});
    const template = Template.fromStack(stack);

    const clusters = Object.values(template.findResources('AWS::MSK::ServerlessCluster')).map(
      (r) => r.Properties.ClusterName as string,
    );
    const buses = Object.values(template.findResources('AWS::Events::EventBus')).map(
      (r) => r.Properties.Name as string,
    );
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
      (r) => r.Properties.Name as string,
    );
    for (const names of [clusters, buses, schedules]) {
      expect(names).toHaveLength(2);
      expect(new Set(names).size).toBe(2);
    }
    for (const name of [...clusters, ...schedules]) expect(name.length).toBeLessThanOrEqual(64);
    expect(orders.names.cluster).not.toBe(payments.names.cluster);
  });

  it("keep the stack's own names in this repo's BridgeStack (a deployed bus keeps its name)", () => {
    const template = templateOf({});
    const [bus] = Object.values(template.findResources('AWS::Events::EventBus'));
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    expect(bus?.Properties.Name).toBe('KafkaLambdaBridge-kafka');
    expect(schedule?.Properties.Name).toBe('KafkaLambdaBridge-publish');
  });
});

describe('a trigger construct alone', () => {
  it('bridges one queue to one topic with a broker construct of its own', () => {
    const { stack, broker } = stackWithExternalKafka();
    const orders = new SqsToKafka(stack, 'Orders', { broker, topic: 'orders', fifo: true });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ KAFKA_TOPIC: 'orders', KAFKA_IDEMPOTENT: 'true' }) },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(orders.bridge.queue.fifo).toBe(true);
    expect(orders.bridge.deadLetterQueue).toBeDefined();
  });

  it('runs in 128 MB by default and in the memory the user gives', () => {
    const { stack, broker } = stackWithExternalKafka();
    new SqsToKafka(stack, 'Orders', { broker, topic: 'orders' });
    new SqsToKafka(stack, 'Payments', { broker, topic: 'payments', memorySize: 512 });
    expect(memorySizes(stack)).toEqual([128, 512]);
  });

  it('gives a scheduled function reading NDJSON from S3 the measured memory of its longest lines, 128 MB', () => {
    const { stack, broker } = stackWithExternalKafka();
    new ScheduleToKafka(stack, 'FromInput', { broker, topic: 'orders' });
    new ScheduleToKafka(stack, 'FromS3', { broker, topic: 'orders', source: 's3://bridge-input/ndjson/' });
    expect(memorySizes(stack)).toEqual([128, 128]);
  });
});

describe('SQS Extended Client payloads', () => {
  it('lets the SQS function read the payload bucket, objects only, and nothing else does', () => {
    const template = templateOf({
      brokerMode: 'external',
      bootstrapServers: EXTERNAL.bootstrapServers,
      secretArn: EXTERNAL_SECRET_ARN,
      sqsExtendedPayloadBucket: 'orders-large-payloads',
    });
    const reads = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
        .filter((s) => JSON.stringify(s.Resource).includes('orders-large-payloads'))
        .map((s) => ({ roles: policy.Properties.Roles, action: s.Action, resource: s.Resource })),
    );
    expect(reads).toHaveLength(1);
    expect(reads[0]?.action).toBe('s3:GetObject');
    expect(JSON.stringify(reads[0]?.resource)).toContain(':s3:::orders-large-payloads/*');
    expect(JSON.stringify(reads[0]?.roles)).toMatch(/SqsFunctionRole/);
  });
});

describe('the triggers context key', () => {
  it('leaves out what it does not name, outputs included', () => {
    const template = templateOf({
      brokerMode: 'external',
      bootstrapServers: EXTERNAL.bootstrapServers,
      secretArn: EXTERNAL_SECRET_ARN,
      triggers: 'webhook,schedule',
    });
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::SQS::Queue', 1); // the schedule's dead-letter queue
    template.resourceCountIs('AWS::Events::Rule', 0);
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(expect.arrayContaining(['WebhookUrl', 'ScheduleName']));
    expect(outputs).not.toContain('QueueUrl');
    expect(outputs).not.toContain('EventBusName');
  });

  it('names an unknown trigger', () => {
    expect(() => templateOf({ triggers: 'webhook,kinesis' })).toThrow(
      /triggers entries must be webhook, sqs, eventBridge, schedule, got "kinesis"/,
    );
  });
});

/** A user's stack with an external cluster for trigger constructs to write to. */
function stackWithExternalKafka() {
  const stack = userStack();
  const broker = new ExternalKafka(stack, 'Kafka', {
    bootstrapServers: EXTERNAL.bootstrapServers,
    secretArn: EXTERNAL_SECRET_ARN,
  });
  return { stack, broker };
}

/** The MemorySize of every function in `stack`, ascending. */
function memorySizes(stack: Stack): number[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
    .map((fn) => fn.Properties.MemorySize as number)
    .sort((a, b) => a - b);
}
