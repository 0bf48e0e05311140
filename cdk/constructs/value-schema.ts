import { Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { BridgeNetwork } from './bridge-network.ts';
import { secretReadStatements } from './kafka-broker.ts';

/** `KAFKA_VALUE_FORMAT`: `raw` writes values as they are; the others validate and encode against a registry. */
export type ValueFormat = 'raw' | 'avro' | 'json-schema' | 'protobuf';

/** Where the schemas are. */
export type SchemaRegistryProps =
  /**
   * A Confluent-compatible REST API (Confluent Cloud or Platform, Apicurio's `/apis/ccompat/v7`,
   * Karapace, Redpanda). `secret`: a Secrets Manager secret `{"username","password"}` (basic) or
   * `{"token"}` (bearer), given as the secret or its ARN; the function may read it and nothing
   * else. In a VPC the function's security group may reach the URL's port anywhere: the VPC needs
   * a route there (NAT, peering, PrivateLink).
   */
  | { readonly url: string; readonly secret?: secretsmanager.ISecret | string }
  /**
   * The AWS Glue Schema Registry of this name, in the stack's account and region, reached with the
   * function's role (GetSchemaVersion on the registry and its schemas only).
   */
  | { readonly glueRegistryName: string };

/** Schema serialization of message values (`KAFKA_VALUE_FORMAT`, `SCHEMA_*`); README, Schema registry. */
export interface ValueSchemaProps {
  /**
   * `KAFKA_VALUE_FORMAT`. Anything but `raw` needs `schemaRegistry`.
   * @default 'raw'
   */
  readonly valueFormat?: ValueFormat;
  /** `SCHEMA_REGISTRY_URL` + `SCHEMA_REGISTRY_SECRET_ARN`, or `SCHEMA_REGISTRY=glue:<name>`. @default none */
  readonly schemaRegistry?: SchemaRegistryProps;
  /** `SCHEMA_SUBJECT_STRATEGY`. @default 'topic' (`<topic>-value`) */
  readonly subjectStrategy?: 'topic' | 'record' | 'topic-record';
  /** `SCHEMA_VERSION`. @default 'latest' */
  readonly schemaVersion?: 'latest' | number;
  /**
   * `SCHEMA_AUTO_REGISTER`: register `schemaDefinition` when the registry lacks it (Glue: also
   * grants GetSchemaByDefinition, CreateSchema and RegisterSchemaVersion).
   * @default false
   */
  readonly autoRegisterSchemas?: boolean;
  /**
   * `SCHEMA_DEFINITION`: the schema to register (with autoRegisterSchemas). Lambda's environment
   * holds 4 KB in all, so a long schema belongs in the registry, not here.
   * @default none
   */
  readonly schemaDefinition?: string;
  /** `SCHEMA_RECORD_NAME`: needed by the record strategies; Protobuf: the message to encode. @default none */
  readonly schemaRecordName?: string;
  /** `SCHEMA_ID_IN_HEADER`: the schema id in `__value_schema_id` (Confluent-compatible only). @default false */
  readonly schemaIdInHeader?: boolean;
  /** `SCHEMA_GLUE_COMPRESSION` (Glue only). @default 'none' */
  readonly glueCompression?: 'none' | 'zlib';
}

/** The keys of ValueSchemaProps, to pick them out of a trigger's props. */
const VALUE_SCHEMA_KEYS = [
  'valueFormat',
  'schemaRegistry',
  'subjectStrategy',
  'schemaVersion',
  'autoRegisterSchemas',
  'schemaDefinition',
  'schemaRecordName',
  'schemaIdInHeader',
  'glueCompression',
] as const satisfies readonly (keyof ValueSchemaProps)[];

/** The schema part of a construct's props (undefined when none is set). */
export function valueSchemaOf(props: ValueSchemaProps): ValueSchemaProps | undefined {
  const picked = Object.fromEntries(
    VALUE_SCHEMA_KEYS.filter((key) => props[key] !== undefined).map((key) => [key, props[key]]),
  ) as ValueSchemaProps;
  return Object.keys(picked).length > 0 ? picked : undefined;
}

/** `SCHEMA_*` keys the grants and network follow: `environment` may not set them. */
export const VALUE_SCHEMA_MANAGED_KEYS = [
  'KAFKA_VALUE_FORMAT',
  'SCHEMA_REGISTRY_URL',
  'SCHEMA_REGISTRY_SECRET_ARN',
  'SCHEMA_REGISTRY',
  'SCHEMA_AUTO_REGISTER',
] as const;

const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+$/;
const GLUE_REGISTRY_NAME = /^[a-zA-Z0-9-_$#.]{1,255}$/;

/**
 * The function's variables for `props`, checked at synth as the library checks them at cold start
 * (lib/config/schema-config.ts), with one message per conflict.
 */
export function valueSchemaEnvironment(
  id: string,
  props: ValueSchemaProps,
  secretArn: string | undefined,
): Record<string, string> {
  const format = props.valueFormat ?? 'raw';
  const registry = props.schemaRegistry;
  if (format === 'raw') {
    const set = VALUE_SCHEMA_KEYS.filter((key) => key !== 'valueFormat' && props[key] !== undefined);
    if (set.length > 0) {
      throw new Error(`${id}: ${set.join(', ')} need a valueFormat other than 'raw'`);
    }
    return {};
  }
  if (registry === undefined) {
    throw new Error(`${id}: valueFormat '${format}' needs schemaRegistry ({ url } or { glueRegistryName })`);
  }
  const glue = 'glueRegistryName' in registry;
  if (glue && !GLUE_REGISTRY_NAME.test(registry.glueRegistryName)) {
    throw new Error(
      `${id}: schemaRegistry.glueRegistryName "${registry.glueRegistryName}" is not a Glue registry name`,
    );
  }
  if (!glue) checkRegistryUrl(id, registry.url);
  if (glue && props.schemaIdInHeader) {
    throw new Error(`${id}: schemaIdInHeader applies to Confluent-compatible registries, not Glue`);
  }
  if (!glue && props.glueCompression !== undefined) {
    throw new Error(`${id}: glueCompression applies only to a Glue registry`);
  }
  if (props.autoRegisterSchemas && props.schemaDefinition === undefined) {
    throw new Error(`${id}: autoRegisterSchemas needs schemaDefinition (the schema to register)`);
  }
  if (props.schemaDefinition !== undefined && !props.autoRegisterSchemas) {
    throw new Error(
      `${id}: schemaDefinition is used only with autoRegisterSchemas (otherwise schemaVersion is read)`,
    );
  }
  if (props.schemaDefinition !== undefined && props.schemaVersion !== undefined) {
    throw new Error(`${id}: set schemaDefinition or schemaVersion, not both`);
  }
  const version = props.schemaVersion;
  if (version !== undefined && version !== 'latest' && (!Number.isInteger(version) || version < 1)) {
    throw new Error(`${id}: schemaVersion must be 'latest' or a version number from 1, got ${version}`);
  }
  if (
    (props.subjectStrategy ?? 'topic') !== 'topic' &&
    props.schemaRecordName === undefined &&
    props.schemaDefinition === undefined
  ) {
    throw new Error(
      `${id}: subjectStrategy '${props.subjectStrategy}' needs schemaRecordName (or a schemaDefinition that names its record)`,
    );
  }
  return {
    KAFKA_VALUE_FORMAT: format,
    ...(glue
      ? { SCHEMA_REGISTRY: `glue:${registry.glueRegistryName}` }
      : {
          SCHEMA_REGISTRY_URL: registry.url,
          ...(secretArn !== undefined ? { SCHEMA_REGISTRY_SECRET_ARN: secretArn } : {}),
        }),
    ...(props.subjectStrategy ? { SCHEMA_SUBJECT_STRATEGY: props.subjectStrategy } : {}),
    ...(version !== undefined ? { SCHEMA_VERSION: String(version) } : {}),
    ...(props.autoRegisterSchemas !== undefined
      ? { SCHEMA_AUTO_REGISTER: String(props.autoRegisterSchemas) }
      : {}),
    ...(props.schemaDefinition !== undefined ? { SCHEMA_DEFINITION: props.schemaDefinition } : {}),
    ...(props.schemaRecordName !== undefined ? { SCHEMA_RECORD_NAME: props.schemaRecordName } : {}),
    ...(props.schemaIdInHeader !== undefined ? { SCHEMA_ID_IN_HEADER: String(props.schemaIdInHeader) } : {}),
    ...(props.glueCompression !== undefined ? { SCHEMA_GLUE_COMPRESSION: props.glueCompression } : {}),
  };
}

/** The registry's secret as an ISecret (imported from an ARN in `scope` when given as one). */
export function registrySecret(
  scope: Construct,
  props: ValueSchemaProps,
): secretsmanager.ISecret | undefined {
  const registry = props.schemaRegistry;
  if ((props.valueFormat ?? 'raw') === 'raw' || registry === undefined || !('url' in registry))
    return undefined;
  const { secret } = registry;
  if (secret === undefined || typeof secret !== 'string') return secret;
  if (!SECRET_ARN.test(secret)) {
    throw new Error(`schemaRegistry.secret "${secret}" is not a Secrets Manager secret ARN`);
  }
  const complete = /-[A-Za-z0-9]{6}$/.test(secret);
  return secretsmanager.Secret.fromSecretAttributes(scope, 'SchemaRegistrySecret', {
    ...(complete ? { secretCompleteArn: secret } : { secretPartialArn: secret }),
  });
}

/**
 * What the function needs to reach its registry: GetSecretValue on the registry's secret alone
 * (and kms:Decrypt on its key when it has a customer-managed one); for Glue, GetSchemaVersion on
 * the registry and its schemas only, plus GetSchemaByDefinition, CreateSchema and
 * RegisterSchemaVersion with auto-registration; in a VPC, egress to the registry.
 */
export function grantSchemaRegistry(
  scope: Construct,
  role: iam.Role,
  props: ValueSchemaProps,
  secret: secretsmanager.ISecret | undefined,
  network: BridgeNetwork | undefined,
): void {
  const registry = props.schemaRegistry;
  if ((props.valueFormat ?? 'raw') === 'raw' || registry === undefined) return;
  if (secret) {
    for (const statement of secretReadStatements(secret, secret.encryptionKey))
      role.addToPrincipalPolicy(statement);
  }
  if ('glueRegistryName' in registry) {
    const stack = Stack.of(scope);
    const name = registry.glueRegistryName;
    const registryArn = stack.formatArn({ service: 'glue', resource: 'registry', resourceName: name });
    const schemasArn = stack.formatArn({ service: 'glue', resource: 'schema', resourceName: `${name}/*` });
    // What lib/schema's Glue client calls: GetSchemaVersion, and to register GetSchemaByDefinition
    // (already there?), RegisterSchemaVersion, or CreateSchema for a schema not there yet.
    const actions = ['glue:GetSchemaVersion'];
    if (props.autoRegisterSchemas) {
      actions.push('glue:GetSchemaByDefinition', 'glue:CreateSchema', 'glue:RegisterSchemaVersion');
    }
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [registryArn, schemasArn] }));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:schema/${name}/*]`,
      reason:
        "schemas are named after the topics (subject strategy) when the function runs; only this registry's are granted",
    });
    return;
  }
  if (network) {
    // The registry's addresses are not known at synth; only its port is opened, and only outbound.
    network.functionSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(urlPort(registry.url)),
      'schema registry',
    );
  }
}

function checkRegistryUrl(id: string, url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${id}: schemaRegistry.url "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`${id}: schemaRegistry.url must be an http(s) URL, got "${url}"`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new Error(
      `${id}: schemaRegistry.url must not carry credentials; give them as schemaRegistry.secret`,
    );
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new Error(`${id}: schemaRegistry.url must not have a query or fragment`);
  }
}

function urlPort(url: string): number {
  const parsed = new URL(url);
  if (parsed.port !== '') return Number(parsed.port);
  return parsed.protocol === 'https:' ? 443 : 80;
}
