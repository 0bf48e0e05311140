/**
 * kafka-lambda-bridge/cdk: the whole bridge as one construct for your own stack, one construct per
 * trigger, and the building blocks they share. Needs aws-cdk-lib, constructs and esbuild (peer
 * dependencies): the handlers are bundled from this package at synth time, without Docker.
 */
export {
  BridgeAlarms,
  type BridgeAlarmsProps,
} from './constructs/bridge-alarms.ts';
export {
  BridgeFunction,
  type BridgeFunctionProps,
  type KafkaClientSettings,
} from './constructs/bridge-function.ts';
export { BridgeNetwork, type BridgeNetworkProps } from './constructs/bridge-network.ts';
export type { ClaimCheckProps } from './constructs/claim-check-bucket.ts';
export { EventBridgeTarget, type EventBridgeTargetProps } from './constructs/eventbridge-target.ts';
export {
  ExternalKafka,
  type ExternalKafkaAuth,
  type ExternalKafkaProps,
} from './constructs/external-kafka.ts';
export {
  BrokerMode,
  type KafkaBroker,
  type KafkaClientAuth,
  type ProduceGrant,
} from './constructs/kafka-broker.ts';
export {
  type MskAuthMethod,
  MskProvisionedBroker,
  type MskProvisionedBrokerProps,
} from './constructs/msk-provisioned.ts';
export { MskServerlessBroker, type MskServerlessBrokerProps } from './constructs/msk-serverless.ts';
export {
  ScheduledPublisher,
  type ScheduledPublisherProps,
  type ScheduleS3Source,
} from './constructs/scheduled-publisher.ts';
export { SqsBridge, type SqsBridgeProps } from './constructs/sqs-bridge.ts';
export type { SchemaRegistryProps, ValueFormat, ValueSchemaProps } from './constructs/value-schema.ts';
export { WebhookApi, type WebhookApiProps } from './constructs/webhook-api.ts';
export { WebhookSigningSecret, type WebhookSigningSecretProps } from './constructs/webhook-secret.ts';
export {
  type BridgeTriggers,
  type BrokerAccessProps,
  type ExternalAccessProps,
  type ExternalVpcProps,
  KafkaLambdaBridge,
  type KafkaLambdaBridgeProps,
  type MskProvisionedAccessProps,
  type MskServerlessAccessProps,
} from './kafka-lambda-bridge.ts';
export { BridgeStack, type BridgeStackProps } from './stacks/bridge-stack.ts';
export { EventBridgeToKafka, type EventBridgeToKafkaProps } from './triggers/eventbridge-to-kafka.ts';
export { ScheduleToKafka, type ScheduleToKafkaProps } from './triggers/schedule-to-kafka.ts';
export { SqsToKafka, type SqsToKafkaProps } from './triggers/sqs-to-kafka.ts';
export type { TriggerToKafkaProps } from './triggers/trigger-props.ts';
export {
  type WebhookIdempotencyProps,
  type WebhookSignature,
  WebhookToKafka,
  type WebhookToKafkaProps,
} from './triggers/webhook-to-kafka.ts';
