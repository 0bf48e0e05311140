import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BridgeFunction } from '../constructs/bridge-function.ts';
import { SqsBridge } from '../constructs/sqs-bridge.ts';
import { FUNCTION_ENTRIES } from '../paths.ts';
import {
  FUNCTION_MEMORY_MB,
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
  /**
   * The bucket the SQS Extended Client offloads large bodies to: the function may read its
   * objects (s3:GetObject) to write the payload instead of the pointer. Payloads are left in
   * place (give the bucket a lifecycle rule).
   * @default none: an offloaded record fails back to the queue
   */
  readonly extendedPayloadBucket?: string;
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
      ...functionSettings(props, FUNCTION_MEMORY_MB.sqs),
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
    if (props.extendedPayloadBucket) {
      const bucket = s3.Bucket.fromBucketName(this, 'ExtendedPayloadBucket', props.extendedPayloadBucket);
      this.function.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }),
      );
      Validations.of(this.function.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${props.extendedPayloadBucket}/*]`,
        reason:
          'the SQS Extended Client names each payload object at send time; reading is all that is granted',
      });
    }
  }
}
