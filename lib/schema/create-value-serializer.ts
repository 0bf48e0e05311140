import { confluentSchemaSource } from './confluent-schema-source.ts';
import { ValueFormat } from './formats/codec.ts';
import type { GlueCompression } from './framing/glue-frame.ts';
import { glueSchemaSource } from './glue-schema-source.ts';
import { recordNameOf } from './record-name.ts';
import { type ConfluentRegistryAuth, ConfluentRegistryClient } from './registry/confluent-client.ts';
import { GlueRegistryClient } from './registry/glue-client.ts';
import { SchemaOptionsError } from './schema-options-error.ts';
import { SchemaRegistrySerializer } from './schema-registry-serializer.ts';
import { SubjectNameStrategy, subjectName } from './subject-name.ts';

/** A Confluent-compatible registry (Confluent Platform or Cloud, Apicurio's ccompat API, Redpanda, Karapace). */
export interface ConfluentRegistryOptions {
  kind: 'confluent';
  /** The REST API's base URL. */
  url: string;
  auth?: ConfluentRegistryAuth;
  /** Default 10 s. */
  requestTimeoutMs?: number;
}

/** The AWS Glue Schema Registry. */
export interface GlueRegistryOptions {
  kind: 'glue';
  registryName: string;
  /** Default: the SDK's (AWS_REGION). */
  region?: string;
  /** Default: the SDK's (AWS_ENDPOINT_URL). */
  endpoint?: string;
  /** Default 10 s. */
  requestTimeoutMs?: number;
}

export interface ValueSerializerOptions {
  format: ValueFormat;
  registry: ConfluentRegistryOptions | GlueRegistryOptions;
  /** @default 'topic' (Confluent `<topic>-value`, Glue `<topic>`) */
  subjectStrategy?: SubjectNameStrategy;
  /** The schema version to encode with. @default 'latest' (read once per container) */
  version?: number | 'latest';
  /** Register `schema` under the subject (or find it registered) instead of reading `version`. @default false */
  autoRegister?: boolean;
  /** The schema text to register when `autoRegister` is on (Avro JSON, JSON Schema, .proto). */
  schema?: string;
  /** The record name for the `record` strategies (default: read from `schema`). */
  recordName?: string;
  /** Protobuf: the fully qualified message to encode. @default the schema's first message */
  messageName?: string;
  /** Confluent: the schema GUID in the `__value_schema_id` header, the value unprefixed. @default false */
  idInHeader?: boolean;
  /** Glue: compress payloads with zlib. @default 'none' */
  glueCompression?: GlueCompression;
}

const FORMATS = Object.values(ValueFormat) as string[];
const STRATEGIES = Object.values(SubjectNameStrategy) as string[];

/**
 * A ValueSerializer that validates each JSON value against the registry's schema for its topic,
 * encodes it (Avro, JSON Schema, Protobuf) and frames it (Confluent or Glue) as the reference
 * serializers do. No I/O here: the first message of a subject fetches its schema, and the codec's
 * library is loaded then. Throws a SchemaOptionsError listing every problem with `options`.
 *
 * @example
 * const serializer = createValueSerializer({
 *   format: 'avro',
 *   registry: { kind: 'confluent', url: 'https://sr.example.com', auth: { username, password } },
 * });
 * const { value, headers } = await serializer.serialize('orders', '{"id":1}', { signal });
 */
export function createValueSerializer(options: ValueSerializerOptions): SchemaRegistrySerializer {
  const problems: string[] = [];
  const strategy = options.subjectStrategy ?? SubjectNameStrategy.Topic;
  const version = options.version ?? 'latest';
  const autoRegister = options.autoRegister ?? false;
  if (!FORMATS.includes(options.format)) problems.push(`format must be one of ${FORMATS.join(', ')}`);
  if (!STRATEGIES.includes(strategy))
    problems.push(`subjectStrategy must be one of ${STRATEGIES.join(', ')}`);
  if (version !== 'latest' && !(Number.isInteger(version) && version > 0)) {
    problems.push(`version must be 'latest' or a positive integer, not ${String(version)}`);
  }
  if (autoRegister && !options.schema) problems.push('autoRegister needs the schema to register (schema)');
  const recordName = recordNameOf(options.format, options);
  if (strategy !== SubjectNameStrategy.Topic && !recordName) {
    problems.push(
      `subjectStrategy ${strategy} needs a record name: recordName` +
        (options.format === ValueFormat.Protobuf ? ' or messageName' : ', or a schema that names its record'),
    );
  }
  if (options.messageName && options.format !== ValueFormat.Protobuf)
    problems.push('messageName is for Protobuf only');
  const registry = options.registry;
  if (registry?.kind === 'confluent') {
    if (!isHttpUrl(registry.url)) problems.push('registry.url must be an http(s) URL');
    if (options.glueCompression) problems.push('glueCompression is for the Glue registry only');
  } else if (registry?.kind === 'glue') {
    if (!registry.registryName) problems.push('registry.registryName is required');
    if (options.idInHeader) problems.push('idInHeader is for Confluent-compatible registries only');
    if (options.glueCompression && !['none', 'zlib'].includes(options.glueCompression)) {
      problems.push("glueCompression must be 'none' or 'zlib'");
    }
  } else {
    problems.push("registry.kind must be 'confluent' or 'glue'");
  }
  if (problems.length > 0) throw new SchemaOptionsError(problems);

  const common = {
    format: options.format,
    version,
    autoRegister,
    schema: options.schema,
    messageName: options.messageName,
  };
  if (registry.kind === 'confluent') {
    const client = new ConfluentRegistryClient(registry);
    const source = confluentSchemaSource(client, { ...common, idInHeader: options.idInHeader ?? false });
    return new SchemaRegistrySerializer(source, (topic) =>
      subjectName(strategy, topic, recordName, 'confluent'),
    );
  }
  const client = new GlueRegistryClient(registry);
  const source = glueSchemaSource(client, { ...common, compression: options.glueCompression ?? 'none' });
  return new SchemaRegistrySerializer(source, (topic) => subjectName(strategy, topic, recordName, 'glue'));
}

function isHttpUrl(text: string | undefined): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text ?? '').protocol);
  } catch {
    return false;
  }
}
