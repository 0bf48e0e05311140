import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BridgeBundle, buildBridgeBundle } from '../../cdk/bundling/bridge-bundling.ts';
import { FUNCTION_ENTRIES } from '../../cdk/paths.ts';

/**
 * Runs in a fresh `node` as Lambda's runtime would: imports index.mjs (the handler's init runs),
 * invokes `handler` once with the event on stdin and a Lambda context, writes the response to a
 * file (stdout carries the function's logs) and exits, since a warm Writer keeps its sockets open
 * where Lambda would freeze the process.
 */
const RUNTIME = `
import { readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
const { handler } = await import(process.env.BUNDLE_URL);
const event = JSON.parse(readFileSync(0, 'utf8'));
const deadline = Date.now() + 30_000;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
const response = await handler(event, context);
writeFileSync(process.env.RESPONSE_FILE, JSON.stringify(response));
process.exit(0);
`;

/**
 * The SQS function's deployment bundle and the runtime script, in a new directory outside the
 * project: a package the bundle failed to carry has no node_modules to fall back on.
 */
export async function buildDeployedSqs(prefix: string): Promise<{ dir: string; bundle: BridgeBundle }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const bundle = buildDeployedBundle(dir, 'sqs');
  await writeFile(join(dir, 'runtime.mjs'), RUNTIME);
  return { dir, bundle };
}

/** Another function's deployment bundle, beside the SQS one in `dir` (from buildDeployedSqs). */
export function buildDeployedBundle(dir: string, name: keyof typeof FUNCTION_ENTRIES): BridgeBundle {
  return buildBridgeBundle({
    entry: FUNCTION_ENTRIES[name],
    outdir: join(dir, name === 'sqs' ? 'asset' : `${name}-asset`),
    withIamSigner: false,
  });
}

/**
 * Invokes a bundled function once in its own process, with the environment the stack sets plus
 * `environment`; `nodeArgs` go before the runtime script (e.g. `--import` a preload).
 */
export async function invokeDeployed<Response = { batchItemFailures: unknown[] }>(
  dir: string,
  bundle: BridgeBundle,
  brokers: string[],
  event: unknown,
  environment: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<{ response: Response; output: string }> {
  const responseFile = join(dir, `response-${Date.now()}.json`);
  const child = spawn(process.execPath, [...nodeArgs, join(dir, 'runtime.mjs')], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'bridge-sqs',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_AUTH: 'none',
      KAFKA_IDEMPOTENT: 'false',
      KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'false',
      KAFKA_ACKS: 'all',
      KAFKA_COMPRESSION: 'none',
      SQS_UNWRAP_SNS: 'false',
      NODE_OPTIONS: '--enable-source-maps',
      ...environment,
      BUNDLE_URL: pathToFileURL(bundle.entry).href,
      RESPONSE_FILE: responseFile,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  child.stdin.end(JSON.stringify(event));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the bundled function exited with ${code}:\n${output}`);
  return { response: JSON.parse(await readFile(responseFile, 'utf8')), output };
}
