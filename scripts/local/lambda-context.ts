import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LambdaContextOptions {
  functionName: string;
  /** The function's configured timeout; getRemainingTimeInMillis() counts down from it. */
  timeoutMs: number;
  /** Default: a fresh UUID, as Lambda gives each invocation. */
  awsRequestId?: string;
  /** Default: us-east-1 (the local moto's region). */
  region?: string;
  /** Default: moto's account, 123456789012. */
  accountId?: string;
  /** Default: 128, Lambda's default memory size. */
  memoryLimitInMB?: number;
}

/**
 * A Lambda `Context` for one local invocation. Its deadline starts now, so handlers that budget
 * their work by getRemainingTimeInMillis() (the Writer's signal, flushes) behave as on Lambda.
 */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const deadline = Date.now() + options.timeoutMs;
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = (name: string) => () => {
    throw new Error(
      `context.${name}() is the pre-async Node.js API; return or throw from the handler instead`,
    );
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 128),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}
