import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addBridgeStack } from '../../cdk/bridge-app.ts';
import type { BridgeStack } from '../../cdk/stacks/bridge-stack.ts';

/** The context `cdk.json` gives the CLI, so programmatic apps synthesize what `cdk synth` does. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

/** A Secrets Manager ARN as AWS gives it (complete: with the 6-character suffix). */
export const EXTERNAL_SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:confluent/bridge-AbCdEf';
/** A customer-managed key of an external secret. */
export const EXTERNAL_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** One deployable shape per broker mode and auth, as `-c key=value` pairs. */
export const MODES = {
  'msk-serverless': {},
  'msk-provisioned (iam)': { brokerMode: 'msk-provisioned' },
  'msk-provisioned (scram)': { brokerMode: 'msk-provisioned', mskAuth: 'scram' },
  'external (internet, plain)': {
    brokerMode: 'external',
    bootstrapServers: 'pkc-12345.eu-west-1.aws.confluent.cloud:9092',
    secretArn: EXTERNAL_SECRET_ARN,
    kafkaAuth: 'plain',
  },
  'external (vpc, scram)': {
    brokerMode: 'external',
    bootstrapServers: '10.20.1.10:9096,10.20.2.10:9096',
    secretArn: EXTERNAL_SECRET_ARN,
    secretKeyArn: EXTERNAL_KEY_ARN,
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: 'subnet-0aaa1111bbbb22223,subnet-0ccc3333dddd44445',
    availabilityZones: 'eu-west-1a,eu-west-1b',
    brokerCidrs: '10.20.0.0/16',
  },
} as const satisfies Record<string, Record<string, string>>;

/** MODES and one extra shape: every optional feature on, so each is synthesized, linted and nagged too. */
export const SHAPES: Record<string, Readonly<Record<string, string>>> = {
  ...MODES,
  'msk-provisioned (iam+scram, S3 source, idempotent, auto-create, FIFO)': {
    brokerMode: 'msk-provisioned',
    mskAuth: 'iam,scram',
    scheduleSource: 's3://bridge-input/ndjson/',
    idempotent: 'true',
    autoCreateTopics: 'true',
    sqsFifo: 'true',
  },
};

/** A name of MODES. */
export type ModeName = keyof typeof MODES;

/** MODES as `it.each` rows. */
export const MODE_NAMES = Object.keys(MODES) as ModeName[];

/** MODES whose functions authenticate with MSK IAM. */
export const IAM_MODES: readonly ModeName[] = ['msk-serverless', 'msk-provisioned (iam)'];

/** MODES whose functions run in a VPC. */
export const VPC_MODES: readonly ModeName[] = [
  'msk-serverless',
  'msk-provisioned (iam)',
  'msk-provisioned (scram)',
  'external (vpc, scram)',
];

/**
 * Builds the bridge app from context exactly as `cdk/app.ts` does. `bundle: false` skips esbuild
 * (assertions on the template need no code); the synth tests bundle for real.
 */
export function buildBridge(
  context: Readonly<Record<string, string>>,
  options: { bundle?: boolean; outdir?: string } = {},
): { app: App; stack: BridgeStack } {
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      ...context,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const stack = addBridgeStack(app);
  return { app, stack };
}

const templates = new Map<string, Template>();

/**
 * The synthesized template of a context, built once per test file. Synthesis runs cdk-nag's
 * AwsSolutions and Serverless packs, so any unacknowledged finding throws here.
 */
export function templateOf(context: Readonly<Record<string, string>>): Template {
  const key = JSON.stringify(context);
  let template = templates.get(key);
  if (!template) {
    template = Template.fromStack(buildBridge(context).stack);
    templates.set(key, template);
  }
  return template;
}

/** The template of a named mode. */
export function modeTemplate(mode: ModeName): Template {
  return templateOf(MODES[mode]);
}

/** A fresh directory under the system's temp folder. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * A fresh directory under the project's git-ignored .cache/, for bundles whose externals (the AWS
 * SDK, which Lambda's runtime provides) must resolve through the project's node_modules.
 */
export async function projectTempDir(prefix: string): Promise<string> {
  const root = fileURLToPath(new URL('../../.cache/cdk-tests/', import.meta.url));
  await mkdir(root, { recursive: true });
  return mkdtemp(join(root, prefix));
}

/** The four functions by the construct id the stack gives them. */
export const FUNCTION_IDS = {
  webhook: 'WebhookFunction',
  sqs: 'SqsFunction',
  eventbridge: 'EventBridgeFunction',
  scheduled: 'ScheduledFunction',
} as const;

/** A function trigger name. */
export type Trigger = keyof typeof FUNCTION_IDS;

/** Logical id of a resource whose id starts with `prefix` and has the given type; exactly one. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

/** The Lambda function of a trigger. */
export function functionId(template: Template, trigger: Trigger): string {
  return logicalId(template, 'AWS::Lambda::Function', FUNCTION_IDS[trigger]);
}

/** One IAM statement, normalised: actions and resources always arrays. */
export interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown[];
  Condition?: Record<string, unknown>;
}

/** Every statement of the policies attached to a trigger's role. */
export function roleStatements(template: Template, trigger: Trigger): Statement[] {
  const roleId = logicalId(template, 'AWS::IAM::Role', `${FUNCTION_IDS[trigger]}Role`);
  const policies = template.findResources('AWS::IAM::Policy');
  const statements: Statement[] = [];
  for (const policy of Object.values(policies)) {
    const roles = (policy.Properties.Roles ?? []) as { Ref?: string }[];
    if (!roles.some((role) => role.Ref === roleId)) continue;
    for (const s of policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]) {
      statements.push({
        Effect: s.Effect as string,
        Action: ([] as string[]).concat(s.Action as string | string[]),
        Resource: ([] as unknown[]).concat(s.Resource),
        ...(s.Condition ? { Condition: s.Condition as Record<string, unknown> } : {}),
      });
    }
  }
  return statements;
}

/** Every action a trigger's role is allowed, sorted. */
export function roleActions(template: Template, trigger: Trigger): string[] {
  return [...new Set(roleStatements(template, trigger).flatMap((s) => s.Action))].sort();
}

/** The environment variables of a trigger's function. */
export function environmentOf(template: Template, trigger: Trigger): Record<string, unknown> {
  const id = functionId(template, trigger);
  const fn = template.findResources('AWS::Lambda::Function')[id];
  return fn?.Properties.Environment.Variables ?? {};
}
