import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeDeadLetterQueue } from './acknowledgements.ts';

/** Props of an EventBridgeTarget. */
export interface EventBridgeTargetProps {
  /** The EventBridge function (functions/eventbridge). */
  readonly function: lambda.Function;
  /**
   * The bus whose events are bridged.
   * @default a new bus, `<stack name>-kafka`: whatever is put on it goes to Kafka
   */
  readonly eventBus?: events.IEventBus;
  /**
   * Name of the bus created when `eventBus` is not given.
   * @default `<stack name>-kafka`
   */
  readonly eventBusName?: string;
  /**
   * One rule per pattern; an event matching any of them is published.
   * @default one pattern matching every event this account puts on the bus
   */
  readonly eventPatterns?: readonly events.EventPattern[];
  /**
   * Attempts EventBridge makes to deliver an event to the function (0-185).
   * @default 8
   */
  readonly deliveryRetryAttempts?: number;
  /**
   * How long EventBridge and Lambda keep trying before the event goes to the DLQ (1 min - 6 h for
   * Lambda's retries).
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;
  /**
   * Lambda's retries after the handler throws (it throws when Kafka did not acknowledge), 0-2.
   * @default 2
   */
  readonly handlerRetryAttempts?: number;
}

/**
 * The EventBridge path: rule(s) on a bus targeting the function, with one dead-letter queue for
 * both ways an event can fail — EventBridge could not invoke the function (target DLQ), or the
 * function threw on every retry (Lambda's on-failure destination).
 */
export class EventBridgeTarget extends Construct {
  /** The bus the rules listen on. */
  readonly eventBus: events.IEventBus;
  /** The rules, one per pattern. */
  readonly rules: readonly events.Rule[];
  /** Events that were not published, with the reason. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: EventBridgeTargetProps) {
    super(scope, id);
    const patterns = props.eventPatterns ?? [{ account: [Stack.of(this).account] }];
    if (patterns.length === 0) {
      throw new Error(
        'EventBridgeTarget: eventPatterns is empty; give at least one pattern or leave it unset',
      );
    }
    const deliveryRetryAttempts = props.deliveryRetryAttempts ?? 8;
    if (
      !Number.isInteger(deliveryRetryAttempts) ||
      deliveryRetryAttempts < 0 ||
      deliveryRetryAttempts > 185
    ) {
      throw new Error(`EventBridgeTarget: deliveryRetryAttempts must be 0-185, got ${deliveryRetryAttempts}`);
    }
    const handlerRetryAttempts = props.handlerRetryAttempts ?? 2;
    if (!Number.isInteger(handlerRetryAttempts) || handlerRetryAttempts < 0 || handlerRetryAttempts > 2) {
      throw new Error(
        `EventBridgeTarget: handlerRetryAttempts must be 0-2 (a Lambda limit), got ${handlerRetryAttempts}`,
      );
    }
    const maxEventAge = props.maxEventAge ?? Duration.hours(6);
    if (maxEventAge.toSeconds() < 60 || maxEventAge.toSeconds() > 21_600) {
      throw new Error(
        `EventBridgeTarget: maxEventAge must be 1 minute to 6 hours, got ${maxEventAge.toSeconds()} s`,
      );
    }

    this.eventBus =
      props.eventBus ??
      new events.EventBus(this, 'Bus', {
        eventBusName: props.eventBusName ?? `${Stack.of(this).stackName}-kafka`,
      });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.rules = patterns.map(
      (eventPattern, index) =>
        new events.Rule(this, `Rule${index === 0 ? '' : index + 1}`, {
          eventBus: this.eventBus,
          description: 'kafka-lambda-bridge: matching events are published to Kafka',
          eventPattern,
          targets: [
            new targets.LambdaFunction(props.function, {
              deadLetterQueue: this.deadLetterQueue,
              retryAttempts: deliveryRetryAttempts,
              maxEventAge,
            }),
          ],
        }),
    );
    props.function.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      retryAttempts: handlerRetryAttempts,
      maxEventAge,
    });

    acknowledgeDeadLetterQueue(this.deadLetterQueue, 'EventBridge path', false);
    Validations.of(props.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'failed asynchronous invocations go to an on-failure destination (the same DLQ), whose record carries the error as well as the event; a DeadLetterConfig besides would queue each failure twice',
    });
  }
}
