import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { bridgeContext } from './context.ts';
import { BridgeStack } from './stacks/bridge-stack.ts';

/**
 * Adds the bridge stack to `app`, configured from the app's context (`-c brokerMode=...`, see
 * docs/DEPLOYMENT.md), with cdk-nag's AwsSolutions and Serverless packs as policy-validation
 * plugins: an unacknowledged finding fails `cdk synth`.
 */
export function addBridgeStack(app: App): BridgeStack {
  const { stackName, props } = bridgeContext((key) => app.node.tryGetContext(key));
  const stack = new BridgeStack(app, stackName, {
    ...props,
    description: 'kafka-lambda-bridge: AWS events (webhooks, SQS, EventBridge, schedules) to Kafka',
  });
  Tags.of(stack).add('project', 'kafka-lambda-bridge');
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
  );
  return stack;
}
