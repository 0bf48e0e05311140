import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { BridgeFunction } from '../constructs/bridge-function.ts';
import { EventBridgeTarget } from '../constructs/eventbridge-target.ts';
import { FUNCTION_ENTRIES } from '../paths.ts';
import {
  FUNCTION_MEMORY_MB,
  FUNCTION_TIMEOUT_SECONDS,
  functionSettings,
  produceGrant,
  type TriggerToKafkaProps,
} from './trigger-props.ts';

/** Props of EventBridgeToKafka. */
export interface EventBridgeToKafkaProps extends TriggerToKafkaProps {
  /** `KAFKA_TOPIC`: where events no route maps go. */
  readonly topic: string;
  /** `EVENTBRIDGE_TOPICS`: `{"<source>/<detail-type>": "<topic>"}`. @default every event to `topic` */
  readonly topics?: Readonly<Record<string, string>>;
  /** `EVENTBRIDGE_KEY`. @default 'json:/id' */
  readonly key?: string;
  /** @default a bus of its own */
  readonly eventBus?: events.IEventBus;
  /** Name of the bus of its own. @default `<stack name>-kafka` */
  readonly eventBusName?: string;
  /** @default one pattern: every event this account puts on the bus */
  readonly eventPatterns?: readonly events.EventPattern[];
}

/** EventBridge events to Kafka: rules on a bus targeting the EventBridge function, with a DLQ. */
export class EventBridgeToKafka extends Construct {
  readonly function: BridgeFunction;
  /** The bus, its rules and the dead-letter queue. */
  readonly target: EventBridgeTarget;

  constructor(scope: Construct, id: string, props: EventBridgeToKafkaProps) {
    super(scope, id);
    this.function = new BridgeFunction(this, 'Function', {
      ...functionSettings(props, FUNCTION_MEMORY_MB.eventbridge),
      entry: FUNCTION_ENTRIES.eventbridge,
      description: 'kafka-lambda-bridge: EventBridge -> Kafka',
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.eventbridge),
      produce: produceGrant(props, [props.topic, ...Object.values(props.topics ?? {})]),
      environment: {
        KAFKA_TOPIC: props.topic,
        ...(props.topics ? { EVENTBRIDGE_TOPICS: JSON.stringify(props.topics) } : {}),
        ...(props.key ? { EVENTBRIDGE_KEY: props.key } : {}),
      },
    });
    this.target = new EventBridgeTarget(this, 'Target', {
      function: this.function.function,
      eventBus: props.eventBus,
      eventBusName: props.eventBusName,
      eventPatterns: props.eventPatterns,
    });
  }
}
