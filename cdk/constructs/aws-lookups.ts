import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct, IConstruct } from 'constructs';

/** Which bootstrap string a function connects with. */
export type MskBootstrapListener = 'iam' | 'scram';

/**
 * The MSK cluster's bootstrap servers, read at deploy time with kafka:GetBootstrapBrokers:
 * CloudFormation exposes no broker addresses for AWS::MSK::Cluster or ServerlessCluster.
 */
export function mskBootstrapBrokers(
  scope: Construct,
  id: string,
  clusterArn: string,
  listener: MskBootstrapListener,
): string {
  const field = listener === 'iam' ? 'BootstrapBrokerStringSaslIam' : 'BootstrapBrokerStringSaslScram';
  const call: cr.AwsSdkCall = {
    service: 'Kafka',
    action: 'getBootstrapBrokers',
    parameters: { ClusterArn: clusterArn },
    physicalResourceId: cr.PhysicalResourceId.of(`${id}-bootstrap-brokers`),
    outputPaths: [field],
  };
  const lookup = new cr.AwsCustomResource(scope, id, {
    onCreate: call,
    onUpdate: call,
    policy: cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({ actions: ['kafka:GetBootstrapBrokers'], resources: [clusterArn] }),
    ]),
    installLatestAwsSdk: false,
    logGroup: lookupLogGroup(scope),
  });
  suppressLookupProvider(scope);
  return lookup.getResponseField(field);
}

/**
 * The id of the region's `com.amazonaws.<region>.s3` prefix list, read at deploy time: security
 * group rules need it and it differs per region.
 */
export function s3PrefixListId(scope: Construct): string {
  const call: cr.AwsSdkCall = {
    service: 'EC2',
    action: 'describeManagedPrefixLists',
    parameters: {
      Filters: [{ Name: 'prefix-list-name', Values: [`com.amazonaws.${Stack.of(scope).region}.s3`] }],
    },
    physicalResourceId: cr.PhysicalResourceId.of('s3-prefix-list'),
    outputPaths: ['PrefixLists.0.PrefixListId'],
  };
  const lookup = new cr.AwsCustomResource(scope, 'S3PrefixListLookup', {
    onCreate: call,
    onUpdate: call,
    policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    installLatestAwsSdk: false,
    logGroup: lookupLogGroup(scope),
  });
  Validations.of(lookup).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ec2:DescribeManagedPrefixLists supports no resource-level permissions; it only reads',
  });
  suppressLookupProvider(scope);
  return lookup.getResponseField('PrefixLists.0.PrefixListId');
}

/** One log group, with retention, for every lookup of the stack (they share one provider). */
function lookupLogGroup(scope: Construct): logs.ILogGroup {
  const stack = Stack.of(scope);
  const id = 'BridgeLookupLogs';
  return (
    (stack.node.tryFindChild(id) as logs.ILogGroup | undefined) ??
    new logs.LogGroup(stack, id, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
  );
}

/**
 * The provider function CDK creates for AwsCustomResource: its runtime, role and invocation are
 * CDK's, and CloudFormation calls it synchronously during deploys only.
 */
function suppressLookupProvider(scope: IConstruct): void {
  const stack = Stack.of(scope);
  // SingletonFunction's construct id: 'AWS' and the provider's UUID without dashes.
  const provider = stack.node.tryFindChild(
    `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
  );
  if (!provider) return;
  Validations.of(provider).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's AwsCustomResource provider uses AWSLambdaBasicExecutionRole to write its own logs; it runs only during deploys",
    },
    {
      id: 'Serverless-LambdaDLQ',
      reason:
        'CloudFormation invokes the lookup synchronously and fails the deploy on error; there is nothing to queue',
    },
    {
      id: 'Serverless-LambdaDefaultMemorySize',
      reason: 'a single SDK call at deploy time; the CDK default memory is enough',
    },
    {
      id: 'Serverless-LambdaTracing',
      reason: 'a deploy-time SDK call; tracing it would add cost and no insight',
    },
  );
}
