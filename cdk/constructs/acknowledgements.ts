import { Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * Records why a synchronously invoked function has no dead-letter queue: Lambda uses one only for
 * asynchronous invocations, so it would never receive anything.
 */
export function acknowledgeSynchronousInvocation(fn: lambda.IFunction, why: string): void {
  Validations.of(fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason: why });
}

/**
 * Records why a dead-letter queue has no redrive policy (nor a DLQ) of its own. AwsSolutions-SQS3
 * sees a queue named in another queue's redrive policy as a DLQ by itself, so only the DLQs of
 * EventBridge targets, Scheduler and Lambda destinations need it acknowledged.
 */
export function acknowledgeDeadLetterQueue(queue: sqs.IQueue, path: string, redriveTarget: boolean): void {
  const reason = `this queue is the dead-letter queue of the ${path}: the end of the line, drained by an operator (its depth is alarmed)`;
  Validations.of(queue).acknowledge(
    { id: 'Serverless-SQSRedrivePolicy', reason },
    ...(redriveTarget ? [] : [{ id: 'AwsSolutions-SQS3', reason }]),
  );
}
