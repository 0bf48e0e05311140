import { Duration } from 'aws-cdk-lib';
import type { ClaimCheckProps } from './constructs/claim-check-bucket.ts';
import type { ExternalKafkaAuth } from './constructs/external-kafka.ts';
import { BrokerMode } from './constructs/kafka-broker.ts';
import type { MskAuthMethod } from './constructs/msk-provisioned.ts';
import type { SchemaRegistryProps, ValueSchemaProps } from './constructs/value-schema.ts';
import type { BridgeTriggers, BrokerAccessProps } from './kafka-lambda-bridge.ts';
import type { BridgeStackProps } from './stacks/bridge-stack.ts';
import type { WebhookSignature } from './triggers/webhook-to-kafka.ts';

/** Reads one context value (`-c key=value` or cdk.json's "context"). */
export type ContextReader = (key: string) => unknown;

/** Context keys per broker mode; a key of another mode is a mistake worth naming. */
const MODE_KEYS: Readonly<Record<BrokerMode, readonly string[]>> = {
  'msk-provisioned': ['mskAuth', 'mskKafkaVersion', 'mskInstanceType', 'mskBrokersPerAz', 'mskVolumeSizeGiB'],
  'msk-serverless': [],
  external: [
    'bootstrapServers',
    'secretArn',
    'secretKeyArn',
    'kafkaAuth',
    'kafkaTls',
    'vpcId',
    'subnetIds',
    'availabilityZones',
    'brokerCidrs',
    'vpcEndpoints',
  ],
};

const MODES = Object.values(BrokerMode);
const SIGNATURES: readonly WebhookSignature[] = [
  'none',
  'standard-webhooks',
  'github',
  'stripe',
  'hmac-sha256',
];
const EXTERNAL_AUTHS: readonly ExternalKafkaAuth[] = ['none', 'plain', 'scram-sha-256', 'scram-sha-512'];
const ACKS = ['all', 'one', 'none'] as const;
const TRIGGERS = [
  'webhook',
  'sqs',
  'eventBridge',
  'schedule',
] as const satisfies readonly (keyof BridgeTriggers)[];
const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const VALUE_FORMATS = ['raw', 'avro', 'json-schema', 'protobuf'] as const;
const SUBJECT_STRATEGIES = ['topic', 'record', 'topic-record'] as const;
const GLUE_COMPRESSIONS = ['none', 'zlib'] as const;

/** The stack's id and props, from context. */
export interface BridgeContext {
  readonly stackName: string;
  readonly props: BridgeStackProps;
}

/**
 * Turns CDK context into BridgeStack props. Every problem is collected and thrown in one error, so
 * a `cdk synth` names all mistakes at once (like the functions' own config).
 */
export function bridgeContext(read: ContextReader): BridgeContext {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const value = read(key);
    if (value === undefined || value === null || value === '') return undefined;
    return String(value).trim();
  };
  const list = (key: string): string[] | undefined => {
    const value = read(key);
    if (Array.isArray(value)) return value.map(String);
    return text(key)
      ?.split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  };
  const flag = (key: string): boolean | undefined => {
    const value = text(key)?.toLowerCase();
    if (value === undefined) return undefined;
    if (value === 'true' || value === 'false') return value === 'true';
    problems.push(`${key} must be true or false, got "${value}"`);
    return undefined;
  };
  const integer = (key: string): number | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed)) problems.push(`${key} must be an integer, got "${value}"`);
    return parsed;
  };
  function oneOf<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const value = text(key);
    if (value === undefined) return undefined;
    if ((choices as readonly string[]).includes(value)) return value as T;
    problems.push(`${key} must be one of ${choices.join(', ')}, got "${value}"`);
    return undefined;
  }

  const mode = oneOf('brokerMode', MODES) ?? BrokerMode.MskServerless;
  for (const [other, keys] of Object.entries(MODE_KEYS)) {
    if (other === mode) continue;
    for (const key of keys) {
      if (read(key) !== undefined)
        problems.push(`${key} applies to brokerMode=${other} only (this is ${mode})`);
    }
  }

  let broker: BrokerAccessProps;
  if (mode === BrokerMode.MskProvisioned) {
    const methods = list('mskAuth') ?? ['iam'];
    for (const method of methods) {
      if (method !== 'iam' && method !== 'scram')
        problems.push(`mskAuth entries must be iam or scram, got "${method}"`);
    }
    broker = {
      mode,
      authentication: methods as MskAuthMethod[],
      kafkaVersion: text('mskKafkaVersion'),
      instanceType: text('mskInstanceType'),
      brokersPerAz: integer('mskBrokersPerAz'),
      volumeSizeGiB: integer('mskVolumeSizeGiB'),
    };
  } else if (mode === BrokerMode.MskServerless) {
    broker = { mode };
  } else {
    const bootstrapServers = text('bootstrapServers');
    if (!bootstrapServers)
      problems.push('brokerMode=external needs -c bootstrapServers=host:port[,host:port...]');
    const vpcId = text('vpcId');
    const subnetIds = list('subnetIds');
    const availabilityZones = list('availabilityZones');
    const brokerCidrs = list('brokerCidrs');
    const vpcEndpoints = flag('vpcEndpoints');
    const vpcKeys = { vpcId, subnetIds, availabilityZones, brokerCidrs };
    const given = Object.entries(vpcKeys).filter(([, value]) => value !== undefined);
    if (given.length > 0 && given.length < 4) {
      const missing = Object.entries(vpcKeys)
        .filter(([, value]) => value === undefined)
        .map(([key]) => key);
      problems.push(
        `an external VPC needs vpcId, subnetIds, availabilityZones and brokerCidrs; missing ${missing.join(', ')}`,
      );
    }
    if (vpcEndpoints !== undefined && !vpcId) problems.push('vpcEndpoints applies only with vpcId');
    broker = {
      mode,
      bootstrapServers: bootstrapServers ?? '',
      auth: oneOf('kafkaAuth', EXTERNAL_AUTHS),
      secretArn: text('secretArn'),
      secretKeyArn: text('secretKeyArn'),
      tls: flag('kafkaTls'),
      ...(given.length === 4
        ? {
            vpc: {
              vpcId: vpcId as string,
              subnetIds: subnetIds as string[],
              availabilityZones: availabilityZones as string[],
              brokerCidrs: brokerCidrs as string[],
              endpoints: vpcEndpoints,
            },
          }
        : {}),
    };
  }

  let eventBridgeTopics: Record<string, string> | undefined;
  const routes = read('eventBridgeTopics');
  if (typeof routes === 'string' && routes !== '') {
    try {
      eventBridgeTopics = JSON.parse(routes) as Record<string, string>;
    } catch {
      problems.push('eventBridgeTopics must be a JSON object {"<source>/<detail-type>": "<topic>"}');
    }
  } else if (typeof routes === 'object' && routes !== null) {
    eventBridgeTopics = routes as Record<string, string>;
  }

  // The construct refuses these too, in its own prop names; here they read as the keys given.
  const signature = oneOf('webhookSignature', SIGNATURES);
  const webhookSecretArn = text('webhookSecretArn');
  if (signature && signature !== 'none' && signature !== 'hmac-sha256' && !webhookSecretArn)
    problems.push(`webhookSignature ${signature} needs webhookSecretArn (the sender issues that key)`);
  if (signature === 'none' && webhookSecretArn)
    problems.push('webhookSecretArn is set but webhookSignature is none; choose the scheme');

  /** `-c claimCheckBucket=<name>` [`-c claimCheckPrefix=<p>`] [`-c claimCheckThresholdBytes=<n>`]. */
  const claimCheck = (): ClaimCheckProps | undefined => {
    const bucketName = text('claimCheckBucket');
    const prefix = text('claimCheckPrefix');
    const thresholdBytes = integer('claimCheckThresholdBytes');
    if (bucketName === undefined) {
      for (const key of ['claimCheckPrefix', 'claimCheckThresholdBytes']) {
        if (text(key) !== undefined) problems.push(`${key} applies only with claimCheckBucket`);
      }
      return undefined;
    }
    return { bucketName, prefix, thresholdBytes };
  };
  /**
   * `-c valueFormat=avro|json-schema|protobuf` with `-c schemaRegistryUrl=<url>`
   * [`-c schemaRegistrySecretArn=<arn>`] or `-c glueRegistryName=<name>`, and the other
   * ValueSchemaProps by their prop names; the construct checks the combinations.
   */
  const valueSchema = (): ValueSchemaProps => {
    const url = text('schemaRegistryUrl');
    const secretArn = text('schemaRegistrySecretArn');
    const glueRegistryName = text('glueRegistryName');
    if (url !== undefined && glueRegistryName !== undefined)
      problems.push('set schemaRegistryUrl or glueRegistryName, not both');
    if (secretArn !== undefined && url === undefined)
      problems.push('schemaRegistrySecretArn applies only with schemaRegistryUrl');
    const version = text('schemaVersion');
    const schemaRegistry: SchemaRegistryProps | undefined =
      url !== undefined
        ? { url, ...(secretArn !== undefined ? { secret: secretArn } : {}) }
        : glueRegistryName !== undefined
          ? { glueRegistryName }
          : undefined;
    return {
      valueFormat: oneOf('valueFormat', VALUE_FORMATS),
      schemaRegistry,
      subjectStrategy: oneOf('subjectStrategy', SUBJECT_STRATEGIES),
      schemaVersion: version === undefined || version === 'latest' ? version : integer('schemaVersion'),
      autoRegisterSchemas: flag('autoRegisterSchemas'),
      schemaDefinition: text('schemaDefinition'),
      schemaRecordName: text('schemaRecordName'),
      schemaIdInHeader: flag('schemaIdInHeader'),
      glueCompression: oneOf('glueCompression', GLUE_COMPRESSIONS),
    };
  };
  const idempotencyTtlSeconds = integer('webhookIdempotencyTtlSeconds');
  const webhookIdempotency = flag('webhookIdempotency');
  if (idempotencyTtlSeconds !== undefined && !webhookIdempotency)
    problems.push('webhookIdempotencyTtlSeconds is set but webhookIdempotency is not true');

  let triggers: BridgeTriggers | undefined;
  const triggerNames = list('triggers');
  if (triggerNames !== undefined) {
    for (const name of triggerNames) {
      if (!(TRIGGERS as readonly string[]).includes(name))
        problems.push(`triggers entries must be ${TRIGGERS.join(', ')}, got "${name}"`);
    }
    triggers = Object.fromEntries(TRIGGERS.map((name) => [name, triggerNames.includes(name)]));
  }

  const props: BridgeStackProps = {
    broker,
    triggers,
    topic: text('topic'),
    webhookTopics: list('webhookTopics'),
    webhookSignature: signature,
    webhookSecretArn,
    webhookKey: text('webhookKey'),
    webhookIdempotency:
      webhookIdempotency && idempotencyTtlSeconds !== undefined
        ? { ttl: Duration.seconds(idempotencyTtlSeconds) }
        : webhookIdempotency,
    sqsFifo: flag('sqsFifo'),
    sqsKey: text('sqsKey'),
    sqsUnwrapSns: flag('sqsUnwrapSns'),
    sqsExtendedPayloadBucket: text('sqsExtendedPayloadBucket'),
    claimCheck: claimCheck(),
    ...valueSchema(),
    eventBridgeTopics,
    eventBridgeKey: text('eventBridgeKey'),
    scheduleExpression: text('scheduleExpression'),
    scheduleSource: text('scheduleSource'),
    idempotent: flag('idempotent'),
    allowAutoTopicCreation: flag('autoCreateTopics'),
    kafka: { acks: oneOf('acks', ACKS), compression: oneOf('compression', COMPRESSIONS) },
  };
  const stackName = text('stackName') ?? 'KafkaLambdaBridge';
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    problems.push(
      `stackName "${stackName}" must start with a letter and hold only letters, digits and hyphens`,
    );
  }
  if (problems.length > 0) {
    throw new Error(
      `invalid CDK context (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`,
    );
  }
  return { stackName, props };
}
