/** What Lambda's Node.js runtime client keeps per invocation (multi-concurrency mode). */
interface LambdaGlobal {
  awslambda?: { InvokeStore?: { getXRayTraceId(): string | undefined } };
}

/**
 * The invocation's X-Ray trace header, read when the invocation runs: Lambda's runtime client
 * sets `_X_AMZN_TRACE_ID` for each one, or keeps it in its InvokeStore when one process serves
 * several invocations at once (as Powertools reads it). EventBridge and Scheduler hand their
 * trace to the function this way.
 */
export function invocationTrace(): { readonly xray: string | undefined } {
  const store = (globalThis as LambdaGlobal).awslambda?.InvokeStore;
  return { xray: store?.getXRayTraceId() ?? process.env._X_AMZN_TRACE_ID };
}
