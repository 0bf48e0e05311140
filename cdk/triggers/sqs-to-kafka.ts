import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BridgeFunction } from '../constructs/bridge-function.ts';
import { SqsBridge } from '../constructs/sqs-bridge.ts';
import { FUNCTION_ENTRIES } from '../paths.ts';
import {
  FUNCTION_TIMEOUT_SECONDS,
  functionSettings,
  produceGrant,
  type TriggerToKafkaProps,
} from './trigger-props.ts';

/** Props of SqsToKafka. */
export interface SqsToKafkaProps extends TriggerToKafkaProps {
  /** `KAFKA_TOPIC`: where the records go. */
  readonly topic: string;
  /** A FIFO queue. @default false */
  readonly fifo?: boolean;
  /** `SQS_KEY`. @default MessageGroupId on FIFO, none otherwise */
  readonly key?: string;
  /** `SQS_UNWRAP_SNS`. @default false */
  readonly unwrapSns?: boolean;
}

/**
 * SQS-to-Kafka bridging: a queue with a dead-letter queue, drained by the SQS function with
 * partial batch responses, so only records Kafka acknowledged leave the queue.
 */
export class SqsToKafka extends Construct {
  readonly function: BridgeFunction;
  /** The queue, its dead-letter queue and the event source mapping. */
  readonly bridge: SqsBridge;

  constructor(scope: Construct, id: string, props: SqsToKafkaProps) {
    super(scope, id);
    this.function = new BridgeFunction(this, 'Function', {
      ...functionSettings(props),
      entry: FUNCTION_ENTRIES.sqs,
      description: 'kafka-lambda-bridge: SQS -> Kafka',
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.sqs),
      produce: produceGrant(props, [props.topic]),
      environment: {
        KAFKA_TOPIC: props.topic,
        SQS_UNWRAP_SNS: String(props.unwrapSns ?? false),
        ...(props.key ? { SQS_KEY: props.key } : {}),
      },
    });
    this.bridge = new SqsBridge(this, 'Bridge', { function: this.function.function, fifo: props.fifo });
  }
}
