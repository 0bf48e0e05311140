import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeDeadLetterQueue } from './acknowledgements.ts';

/** NDJSON objects under an S3 prefix, published line by line (`SCHEDULE_SOURCE=s3://bucket/prefix`). */
export interface ScheduleS3Source {
  readonly bucket: s3.IBucket;
  /** Key prefix; '' is the whole bucket. */
  readonly prefix: string;
}

/**
 * The run lease's key for a prefix, as the function computes it by default
 * (lib/config/schedule-config.ts `defaultLeaseKey`): beside a folder prefix, else under it.
 */
export function scheduleLeaseKey(prefix: string): string {
  return `${prefix.endsWith('/') ? prefix.slice(0, -1) : prefix}.kafka-bridge-lease`;
}

/** Props of a ScheduledPublisher. */
export interface ScheduledPublisherProps {
  /** The scheduled function (functions/scheduled). */
  readonly function: lambda.Function;
  /**
   * Where a run takes its messages from. The function gets read and tagging rights under the
   * prefix (progress is kept in object tags), and read and write rights on one more key, the run
   * lease (`scheduleLeaseKey(prefix)`, passed as `SCHEDULE_LEASE_KEY`); it never deletes.
   * @default the schedule's input (`SCHEDULE_SOURCE=input`)
   */
  readonly source?: ScheduleS3Source;
  /**
   * The schedule's input. For the input source: `{"messages": [{"topic"?, "key"?, "value", "headers"?}]}`.
   * @default a heartbeat message for the input source, `{}` for S3
   */
  readonly input?: Readonly<Record<string, unknown>>;
  /**
   * `rate(...)`, `cron(...)` or `at(...)`.
   * @default 'rate(5 minutes)'
   */
  readonly scheduleExpression?: string;
  /** @default 'UTC' */
  readonly timezone?: string;
  /**
   * Schedule name (1-64 of letters, digits, `-_.`).
   * @default `<stack name>-publish`
   */
  readonly scheduleName?: string;
  /**
   * Attempts Scheduler makes to invoke the function (0-185).
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * How long Scheduler and Lambda keep trying before the run goes to the DLQ (60 s - 6 h).
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * Lambda's retries after the handler throws, 0-2. Each retry of an input run may write its
   * messages again; S3 runs resume where they stopped.
   * @default 2
   */
  readonly handlerRetryAttempts?: number;
  /**
   * The function's reserved concurrency. 1 keeps runs from overlapping at all (Scheduler's next
   * run waits, throttled, while Lambda retries it within `maxEventAge`); the S3 source's run lease
   * keeps overlapping runs from publishing the same lines even without it.
   * @default 1
   */
  readonly reservedConcurrentExecutions?: number;
}

/** The input of a schedule with no input given: one small message, proof the path works. */
const HEARTBEAT_INPUT = {
  messages: [{ key: 'kafka-lambda-bridge', value: { type: 'heartbeat', source: 'eventbridge-scheduler' } }],
};

/**
 * The scheduled path: an EventBridge Scheduler schedule invoking the function with a retry policy
 * and a dead-letter queue, under a role that may invoke this one function and send to that one
 * queue; the same queue is the function's on-failure destination.
 */
export class ScheduledPublisher extends Construct {
  /** The schedule. */
  readonly schedule: scheduler.CfnSchedule;
  /** The schedule's name. */
  readonly scheduleName: string;
  /** Runs that could not be delivered or failed every retry. */
  readonly deadLetterQueue: sqs.Queue;
  /** The role Scheduler assumes to invoke the function. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ScheduledPublisherProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const scheduleName = props.scheduleName ?? `${stack.stackName}-publish`;
    if (!/^[0-9a-zA-Z-_.]{1,64}$/.test(scheduleName)) {
      throw new Error(
        `ScheduledPublisher: scheduleName "${scheduleName}" must be 1-64 of letters, digits, - _ .`,
      );
    }
    const expression = props.scheduleExpression ?? 'rate(5 minutes)';
    if (!/^(rate|cron|at)\(.+\)$/.test(expression)) {
      throw new Error(
        `ScheduledPublisher: scheduleExpression "${expression}" must be rate(...), cron(...) or at(...)`,
      );
    }
    const retryAttempts = props.retryAttempts ?? 3;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185) {
      throw new Error(`ScheduledPublisher: retryAttempts must be 0-185, got ${retryAttempts}`);
    }
    const maxEventAge = props.maxEventAge ?? Duration.hours(1);
    if (maxEventAge.toSeconds() < 60 || maxEventAge.toSeconds() > 21_600) {
      throw new Error(
        `ScheduledPublisher: maxEventAge must be 60 s to 6 h, got ${maxEventAge.toSeconds()} s`,
      );
    }
    const handlerRetryAttempts = props.handlerRetryAttempts ?? 2;
    if (!Number.isInteger(handlerRetryAttempts) || handlerRetryAttempts < 0 || handlerRetryAttempts > 2) {
      throw new Error(
        `ScheduledPublisher: handlerRetryAttempts must be 0-2 (a Lambda limit), got ${handlerRetryAttempts}`,
      );
    }
    const reserved = props.reservedConcurrentExecutions ?? 1;
    if (!Number.isInteger(reserved) || reserved < 1) {
      throw new Error(
        `ScheduledPublisher: reservedConcurrentExecutions must be a whole number of at least 1 (0 would stop every run), got ${reserved}`,
      );
    }
    if (props.source?.prefix.startsWith('/')) {
      throw new Error(
        `ScheduledPublisher: source.prefix "${props.source.prefix}" starts with "/"; S3 keys do not`,
      );
    }

    this.scheduleName = scheduleName;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Only schedules of this account may use the role (confused-deputy guard).
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description:
        'EventBridge Scheduler: invoke the kafka-lambda-bridge scheduled function, dead-letter to its DLQ',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.function.functionArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );

    (props.function.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = reserved;
    if (props.source) {
      this.grantSource(props.function, props.source);
      props.function.addEnvironment('SCHEDULE_LEASE_KEY', scheduleLeaseKey(props.source.prefix));
    }
    props.function.addEnvironment(
      'SCHEDULE_SOURCE',
      props.source ? `s3://${props.source.bucket.bucketName}/${props.source.prefix}` : 'input',
    );

    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      name: scheduleName,
      description: 'kafka-lambda-bridge: scheduled batch publishing',
      scheduleExpression: expression,
      scheduleExpressionTimezone: props.timezone ?? 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: props.function.functionArn,
        roleArn: this.role.roleArn,
        input: JSON.stringify(props.input ?? (props.source ? {} : HEARTBEAT_INPUT)),
        retryPolicy: {
          maximumRetryAttempts: retryAttempts,
          maximumEventAgeInSeconds: maxEventAge.toSeconds(),
        },
        deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
      },
    });
    props.function.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      retryAttempts: handlerRetryAttempts,
      maxEventAge,
    });

    acknowledgeDeadLetterQueue(this.deadLetterQueue, 'scheduled path', false);
    Validations.of(props.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'failed asynchronous invocations go to an on-failure destination (the schedule DLQ), whose record carries the error as well as the event; a DeadLetterConfig besides would queue each failure twice',
    });
  }

  /**
   * List the prefix, read objects and their tags, and write tags (the source's progress marks);
   * read and write the one lease object (conditional PutObject). No DeleteObject, and no
   * PutObject on the data.
   */
  private grantSource(fn: lambda.Function, source: ScheduleS3Source): void {
    const role = fn.role as iam.IRole;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [source.bucket.bucketArn],
        // A list of the whole bucket sends no prefix at all, which a condition on s3:prefix would deny.
        ...(source.prefix === ''
          ? {}
          : { conditions: { StringLike: { 's3:prefix': [`${source.prefix}*`] } } }),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectTagging', 's3:PutObjectTagging'],
        resources: [source.bucket.arnForObjects(`${source.prefix}*`)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [source.bucket.arnForObjects(scheduleLeaseKey(source.prefix))],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${source.bucket.bucketName}/${source.prefix}*]`,
      reason:
        'the NDJSON objects under the schedule source prefix are only known at run time; the grant is bounded by that prefix',
    });
  }
}
