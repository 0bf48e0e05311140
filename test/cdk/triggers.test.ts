import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { ScheduledPublisher } from '../../cdk/constructs/scheduled-publisher.ts';
import { SqsBridge } from '../../cdk/constructs/sqs-bridge.ts';
import { functionId, logicalId, MODE_NAMES, modeTemplate, templateOf } from './support.ts';

describe.each(MODE_NAMES)('triggers: %s', (mode) => {
  it('maps the bridge queue to the SQS function with ReportBatchItemFailures', () => {
    const template = modeTemplate(mode);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId(template, 'sqs') },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'SqsBridgeQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
  });

  it('redrives the bridge queue to its DLQ after five receives', () => {
    const template = modeTemplate(mode);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: {
          'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'SqsBridgeDeadLetterQueue'), 'Arn'],
        },
        maxReceiveCount: 5,
      },
    });
  });

  it('hides received records for six times the SQS function timeout', () => {
    const template = modeTemplate(mode);
    const fn = template.findResources('AWS::Lambda::Function')[functionId(template, 'sqs')];
    const queue =
      template.findResources('AWS::SQS::Queue')[logicalId(template, 'AWS::SQS::Queue', 'SqsBridgeQueue')];
    expect(queue?.Properties.VisibilityTimeout).toBe(6 * fn?.Properties.Timeout);
  });

  it('routes POST /webhooks/{topic} to the webhook function', () => {
    const template = modeTemplate(mode);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/{topic}' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [functionId(template, 'webhook'), 'Arn'] },
    });
  });

  it('throttles the webhook stage and writes JSON access logs', () => {
    modeTemplate(mode).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
    });
  });

  it('sends events EventBridge cannot deliver to the EventBridge DLQ, after retries', () => {
    const template = modeTemplate(mode);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^EventBridgeTargetBus') },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionId(template, 'eventbridge'), 'Arn'] },
          DeadLetterConfig: {
            Arn: {
              'Fn::GetAtt': [
                logicalId(template, 'AWS::SQS::Queue', 'EventBridgeTargetDeadLetterQueue'),
                'Arn',
              ],
            },
          },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21_600 },
        }),
      ],
    });
  });

  it('sends EventBridge invocations that failed every retry to the same DLQ', () => {
    const template = modeTemplate(mode);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId(template, 'eventbridge') },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: {
          Destination: {
            'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'EventBridgeTargetDeadLetterQueue'), 'Arn'],
          },
        },
      },
    });
  });

  it('runs the scheduled function from EventBridge Scheduler with a retry policy and a DLQ', () => {
    const template = modeTemplate(mode);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'KafkaLambdaBridge-publish',
      ScheduleExpression: 'rate(5 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [functionId(template, 'scheduled'), 'Arn'] },
        RoleArn: Match.anyValue(),
        Input: Match.stringLikeRegexp('"messages"'),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: {
          Arn: {
            'Fn::GetAtt': [
              logicalId(template, 'AWS::SQS::Queue', 'ScheduledPublisherDeadLetterQueue'),
              'Arn',
            ],
          },
        },
      },
    });
  });

  it('lets the scheduler role invoke only the scheduled function and send only to its DLQ', () => {
    const template = modeTemplate(mode);
    const roleId = logicalId(template, 'AWS::IAM::Role', 'ScheduledPublisherSchedulerRole');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'lambda:InvokeFunction',
            Resource: { 'Fn::GetAtt': [functionId(template, 'scheduled'), 'Arn'] },
          },
          {
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Resource: {
              'Fn::GetAtt': [
                logicalId(template, 'AWS::SQS::Queue', 'ScheduledPublisherDeadLetterQueue'),
                'Arn',
              ],
            },
          },
        ],
      },
    });
  });

  it.each([
    'SqsBridgeDeadLetterQueue',
    'EventBridgeTargetDeadLetterQueue',
    'ScheduledPublisherDeadLetterQueue',
  ])('alarms when %s holds a message', (queue) => {
    const template = modeTemplate(mode);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', queue), 'QueueName'] },
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it.each(['Errors', 'Throttles'])('alarms on %s of every function', (metric) => {
    modeTemplate(mode).resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: metric, Namespace: 'AWS/Lambda', Threshold: 1, TreatMissingData: 'notBreaching' },
      4,
    );
  });

  it.each(['WebhookUrl', 'QueueUrl', 'ScheduleName', 'EventBusName'])('outputs %s', (output) => {
    expect(modeTemplate(mode).findOutputs(output)).toHaveProperty(output);
  });
});

describe('triggers: options', () => {
  it('builds a FIFO bridge queue and a FIFO DLQ when asked', () => {
    const template = templateOf({ sqsFifo: 'true' });
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { FifoQueue: true }, 2);
  });

  it('grants the scheduled function only list, read and tagging under its S3 prefix', () => {
    const template = templateOf({ scheduleSource: 's3://bridge-input/ndjson/' });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:ListBucket',
            Condition: { StringLike: { 's3:prefix': ['ndjson/*'] } },
          }),
          Match.objectLike({
            Action: ['s3:GetObject', 's3:GetObjectTagging', 's3:PutObjectTagging'],
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::bridge-input/ndjson/*']],
            },
          }),
        ]),
      },
    });
  });

  it('grants the scheduled function read and conditional write of its run lease, beside the prefix', () => {
    const template = templateOf({ scheduleSource: 's3://bridge-input/ndjson/' });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['s3:GetObject', 's3:PutObject'],
            Resource: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':s3:::bridge-input/ndjson.kafka-bridge-lease'],
              ],
            },
          }),
        ]),
      },
    });
  });

  it('tells the scheduled function its S3 source and run lease key', () => {
    const template = templateOf({ scheduleSource: 's3://bridge-input/ndjson/' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SCHEDULE_SOURCE: 's3://bridge-input/ndjson/',
          SCHEDULE_LEASE_KEY: 'ndjson.kafka-bridge-lease',
        }),
      },
    });
  });

  it('gives the scheduled function a reserved concurrency of 1 by default', () => {
    const template = templateOf({});
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 1,
      Environment: { Variables: Match.objectLike({ SCHEDULE_SOURCE: 'input' }) },
    });
    // Only the scheduled function: the other triggers scale with their load.
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: Match.anyValue() },
      1,
    );
  });

  it('sets the reserved concurrency it is given, and refuses 0', () => {
    const stack = new Stack(new App(), 'Test');
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = () => {}'),
    });
    new ScheduledPublisher(stack, 'Scheduled', { function: fn, reservedConcurrentExecutions: 2 });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 2,
    });

    const other = new Stack(new App(), 'Other');
    const fn0 = new lambda.Function(other, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = () => {}'),
    });
    expect(
      () => new ScheduledPublisher(other, 'Scheduled', { function: fn0, reservedConcurrentExecutions: 0 }),
    ).toThrow(/reservedConcurrentExecutions must be a whole number of at least 1/);
  });

  it('refuses a queue visibility timeout under six times the function timeout', () => {
    const stack = new Stack(new App(), 'Test');
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = () => {}'),
      timeout: Duration.seconds(60),
    });
    expect(
      () => new SqsBridge(stack, 'Bridge', { function: fn, visibilityTimeout: Duration.seconds(120) }),
    ).toThrow(/visibilityTimeout 120 s is below six times the function timeout \(360 s\)/);
  });
});
