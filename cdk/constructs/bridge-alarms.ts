import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of BridgeAlarms. */
export interface BridgeAlarmsProps {
  /** Functions to watch, by a short name used in the alarm names (`webhook`, `sqs`, ...). */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Dead-letter queues to watch, by a short name. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /**
   * Topic notified when an alarm fires and when it clears.
   * @default no action (the alarms show in the console)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Period each alarm evaluates.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/**
 * What an operator must hear about: anything in a dead-letter queue (a message that never reached
 * Kafka), function errors, and throttles (invocations Lambda refused, which delay or drop events).
 * Each fires on the first occurrence in a period; missing data is not an alarm.
 */
export class BridgeAlarms extends Construct {
  /** Every alarm created, by `<name>-dlq-depth`, `<name>-errors`, `<name>-throttles`. */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: BridgeAlarmsProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    if (period.toSeconds() < 60 || period.toSeconds() % 60 !== 0) {
      throw new Error(`BridgeAlarms: period must be a whole number of minutes, got ${period.toSeconds()} s`);
    }
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const add = (name: string, metric: cloudwatch.IMetric, description: string): void => {
      const alarm = new cloudwatch.Alarm(this, name, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (props.alarmTopic) {
        alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
        alarm.addOkAction(new actions.SnsAction(props.alarmTopic));
      }
      alarms[name] = alarm;
    };

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      add(
        `${name}-dlq-depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
        `kafka-lambda-bridge ${name}: messages in the dead-letter queue never reached Kafka`,
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      add(
        `${name}-errors`,
        fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
        `kafka-lambda-bridge ${name}: the function failed invocations`,
      );
      add(
        `${name}-throttles`,
        fn.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }),
        `kafka-lambda-bridge ${name}: Lambda throttled invocations (raise concurrency or lower the trigger rate)`,
      );
    }
    this.alarms = alarms;
  }
}
