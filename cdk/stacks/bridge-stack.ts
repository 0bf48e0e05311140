import { type CfnElement, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { BrokerMode } from '../constructs/kafka-broker.ts';
import { MskProvisionedBroker } from '../constructs/msk-provisioned.ts';
import { MskServerlessBroker } from '../constructs/msk-serverless.ts';
import { KafkaLambdaBridge, type KafkaLambdaBridgeProps } from '../kafka-lambda-bridge.ts';
import { legacyPath, logicalIdOfPath } from './legacy-logical-ids.ts';

/** Props of the BridgeStack: the construct's, as a stack. */
export interface BridgeStackProps extends StackProps, KafkaLambdaBridgeProps {}

/**
 * This repo's deployable stack (`cdk.json` runs it): one KafkaLambdaBridge, the same construct
 * users put in their own stacks, and the outputs a deployer needs.
 */
export class BridgeStack extends Stack {
  readonly bridge: KafkaLambdaBridge;

  constructor(scope: Construct, id: string, props: BridgeStackProps = {}) {
    super(scope, id, props);
    // 'Default' leaves the construct out of logical ids, as if its resources sat in the stack.
    this.bridge = new KafkaLambdaBridge(this, 'Default', props);
    const { broker, webhook, sqs, eventBridge, schedule } = this.bridge;

    new CfnOutput(this, 'BrokerMode', {
      value: props.broker?.mode ?? BrokerMode.MskServerless,
      description: 'How the functions reach Kafka',
    });
    if (webhook) {
      new CfnOutput(this, 'WebhookUrl', {
        value: webhook.api.webhookUrl,
        description: 'POST <url><topic> with a signed body',
      });
      if (webhook.signingSecret?.generated) {
        new CfnOutput(this, 'WebhookSecretArn', {
          value: webhook.signingSecret.secret.secretArn,
          description: 'The generated signing key; give it to the webhook senders',
        });
      }
    }
    if (sqs) {
      new CfnOutput(this, 'QueueUrl', {
        value: sqs.bridge.queue.queueUrl,
        description: 'Send messages here',
      });
    }
    if (eventBridge) {
      new CfnOutput(this, 'EventBusName', {
        value: eventBridge.target.eventBus.eventBusName,
        description: 'Put events on this bus',
      });
    }
    if (schedule) new CfnOutput(this, 'ScheduleName', { value: schedule.publisher.scheduleName });
    if (broker instanceof MskProvisionedBroker || broker instanceof MskServerlessBroker) {
      new CfnOutput(this, 'ClusterArn', { value: broker.cluster.attrArn });
    }
    if (broker.secret && broker.mode !== BrokerMode.External) {
      new CfnOutput(this, 'ScramSecretArn', { value: broker.secret.secretArn });
    }
  }

  /**
   * Stacks deployed from 0.1 keep every stateful resource: elements of the trigger constructs get
   * the logical ids of the flat layout they had then (legacy-logical-ids.ts).
   */
  protected override allocateLogicalId(element: CfnElement): string {
    const scopes = element.node.scopes;
    const path = scopes.slice(scopes.indexOf(this) + 1).map((scope) => scope.node.id);
    const legacy = legacyPath(path);
    return legacy ? logicalIdOfPath(legacy) : super.allocateLogicalId(element);
  }
}
