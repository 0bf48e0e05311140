import type { EnvReader } from './env-reader.ts';

/** `KAFKA_VALUE_FORMAT` values: `raw` writes the value's bytes as they are (no registry). */
export const VALUE_FORMATS = ['raw', 'avro', 'json-schema', 'protobuf'] as const;
export type ValueFormat = (typeof VALUE_FORMATS)[number];
/** The formats that need a schema registry. */
export type SchemaFormat = Exclude<ValueFormat, 'raw'>;

/**
 * `SCHEMA_SUBJECT_STRATEGY` values, Confluent's three: `topic` = `<topic>-value`, `record` = the
 * record's full name, `topic-record` = `<topic>-<record name>`.
 */
export const SUBJECT_STRATEGIES = ['topic', 'record', 'topic-record'] as const;
export type SubjectStrategy = (typeof SUBJECT_STRATEGIES)[number];

/** `SCHEMA_GLUE_COMPRESSION` values: the Glue framing's compression byte (0x00 / 0x05). */
export const GLUE_COMPRESSIONS = ['none', 'zlib'] as const;
export type GlueCompression = (typeof GLUE_COMPRESSIONS)[number];

/** Where schemas come from. Credentials are fetched later (and refetched after a 401), never logged. */
export type SchemaRegistryConfig =
  /** A Confluent-compatible REST API (Confluent, Apicurio's `/apis/ccompat/v7`, Karapace, Redpanda). */
  | {
      kind: 'confluent';
      /** Base URL, without a trailing slash. */
      url: string;
      /** Secrets Manager secret: `{"username","password"}` (basic) or `{"token"}` (bearer); none = no auth. */
      secretArn: string | undefined;
    }
  /** The AWS Glue Schema Registry, reached with the function's IAM role. */
  | { kind: 'glue'; registryName: string };

/** The resolved `KAFKA_VALUE_FORMAT` / `SCHEMA_*` configuration, when a format other than raw is set. */
export interface SchemaConfig {
  format: SchemaFormat;
  registry: SchemaRegistryConfig;
  subjectStrategy: SubjectStrategy;
  /** `latest`, or a pinned version number. */
  version: 'latest' | number;
  /** Register `definition` when the registry does not have it yet. */
  autoRegister: boolean;
  /** The schema text to register (`SCHEMA_DEFINITION`, with `autoRegister` only). */
  definition: string | undefined;
  /** Record name for the record strategies; for Protobuf, the message of the schema to encode. */
  recordName: string | undefined;
  /** Put the schema id in the `__value_schema_id` header instead of in front of the value. */
  idInHeader: boolean;
  /** Glue framing only. */
  glueCompression: GlueCompression;
}

/** Every `SCHEMA_*` variable: with `KAFKA_VALUE_FORMAT=raw` none of them may be set. */
const SCHEMA_VARIABLES = [
  'SCHEMA_REGISTRY_URL',
  'SCHEMA_REGISTRY_SECRET_ARN',
  'SCHEMA_REGISTRY',
  'SCHEMA_SUBJECT_STRATEGY',
  'SCHEMA_VERSION',
  'SCHEMA_AUTO_REGISTER',
  'SCHEMA_DEFINITION',
  'SCHEMA_RECORD_NAME',
  'SCHEMA_ID_IN_HEADER',
  'SCHEMA_GLUE_COMPRESSION',
] as const;

/** Glue's rule for registry names. */
const GLUE_REGISTRY_NAME = /^[a-zA-Z0-9-_$#.]{1,255}$/;
/** A record's (fully qualified) name: Avro and Protobuf names, dot-separated. */
const RECORD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Reads `KAFKA_VALUE_FORMAT` and the `SCHEMA_*` variables into `r` (problems are collected there).
 * Returns `undefined` for `raw`, the default: values are written as they are and no schema code
 * is ever loaded.
 */
export function readSchemaConfig(r: EnvReader): SchemaConfig | undefined {
  const format = r.oneOf('KAFKA_VALUE_FORMAT', VALUE_FORMATS, 'raw');
  if (format === 'raw') {
    for (const name of SCHEMA_VARIABLES) {
      if (r.raw(name) !== undefined) {
        r.problem(`${name} needs KAFKA_VALUE_FORMAT=avro, json-schema or protobuf (it is raw)`);
      }
    }
    return undefined;
  }
  const registry = readRegistry(r, format);
  const subjectStrategy = r.oneOf('SCHEMA_SUBJECT_STRATEGY', SUBJECT_STRATEGIES, 'topic');
  const version = readVersion(r);
  const autoRegister = r.boolean('SCHEMA_AUTO_REGISTER', false);
  const definition = r.string('SCHEMA_DEFINITION');
  const recordName = r.string('SCHEMA_RECORD_NAME');
  const idInHeader = r.boolean('SCHEMA_ID_IN_HEADER', false);
  const glueCompression = r.oneOf('SCHEMA_GLUE_COMPRESSION', GLUE_COMPRESSIONS, 'none');

  if (autoRegister && definition === undefined) {
    r.problem('SCHEMA_AUTO_REGISTER=true needs SCHEMA_DEFINITION (the schema to register)');
  }
  if (definition !== undefined && !autoRegister) {
    r.problem(
      'SCHEMA_DEFINITION is used only with SCHEMA_AUTO_REGISTER=true (otherwise SCHEMA_VERSION is read)',
    );
  }
  if (definition !== undefined && r.raw('SCHEMA_VERSION') !== undefined) {
    r.problem(
      'set SCHEMA_DEFINITION or SCHEMA_VERSION, not both (a registered definition is its own version)',
    );
  }
  if (definition !== undefined && format !== 'protobuf' && !isJson(definition)) {
    r.problem(`SCHEMA_DEFINITION must be JSON with KAFKA_VALUE_FORMAT=${format}`);
  }
  if (recordName !== undefined && !RECORD_NAME.test(recordName)) {
    r.problem(`SCHEMA_RECORD_NAME "${recordName}" is not a record name (e.g. com.example.Order)`);
  }
  // The subject names the record before any schema is fetched: configured, or read from the
  // definition to register (Avro's name, JSON Schema's title; a .proto names several messages).
  if (subjectStrategy !== 'topic' && recordName === undefined && !namesItsRecord(format, definition)) {
    r.problem(
      `SCHEMA_SUBJECT_STRATEGY=${subjectStrategy} needs SCHEMA_RECORD_NAME${format === 'protobuf' ? '' : ', or a SCHEMA_DEFINITION that names its record'}`,
    );
  }
  if (registry?.kind === 'glue' && idInHeader) {
    r.problem(
      'SCHEMA_ID_IN_HEADER applies to Confluent-compatible registries (Glue framing has no header form)',
    );
  }
  if (registry?.kind === 'confluent' && r.raw('SCHEMA_GLUE_COMPRESSION') !== undefined) {
    r.problem('SCHEMA_GLUE_COMPRESSION applies only with SCHEMA_REGISTRY=glue:<registry-name>');
  }
  if (registry === undefined) return undefined;
  return {
    format,
    registry,
    subjectStrategy,
    version,
    autoRegister,
    definition,
    recordName,
    idInHeader,
    glueCompression,
  };
}

function readRegistry(r: EnvReader, format: SchemaFormat): SchemaRegistryConfig | undefined {
  const url = r.string('SCHEMA_REGISTRY_URL');
  const secretArn = r.string('SCHEMA_REGISTRY_SECRET_ARN');
  const named = r.string('SCHEMA_REGISTRY');
  if (url !== undefined && named !== undefined) {
    r.problem('set SCHEMA_REGISTRY_URL or SCHEMA_REGISTRY=glue:<registry-name>, not both');
    return undefined;
  }
  if (named !== undefined) {
    if (secretArn !== undefined) {
      r.problem('SCHEMA_REGISTRY_SECRET_ARN applies only to SCHEMA_REGISTRY_URL (Glue uses the IAM role)');
    }
    const registryName = named.startsWith('glue:') ? named.slice('glue:'.length) : undefined;
    if (registryName === undefined || !GLUE_REGISTRY_NAME.test(registryName)) {
      r.problem(`SCHEMA_REGISTRY must be glue:<registry-name> (letters, digits, - _ $ # .), got "${named}"`);
      return undefined;
    }
    return { kind: 'glue', registryName };
  }
  if (url === undefined) {
    if (secretArn !== undefined) r.problem('SCHEMA_REGISTRY_SECRET_ARN needs SCHEMA_REGISTRY_URL');
    r.problem(
      `KAFKA_VALUE_FORMAT=${format} needs a schema registry: SCHEMA_REGISTRY_URL or SCHEMA_REGISTRY=glue:<registry-name>`,
    );
    return undefined;
  }
  const problem = registryUrlProblem(url);
  if (problem) {
    r.problem(`SCHEMA_REGISTRY_URL ${problem}`);
    return undefined;
  }
  return { kind: 'confluent', url: url.replace(/\/+$/, ''), secretArn };
}

/** What is wrong with a registry URL; credentials in it would end up in logs, so they are refused. */
function registryUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an http(s) URL';
  if (parsed.username !== '' || parsed.password !== '') {
    return 'must not carry credentials: put them in the secret named by SCHEMA_REGISTRY_SECRET_ARN';
  }
  if (parsed.search !== '' || parsed.hash !== '') return 'must not have a query or fragment';
  return undefined;
}

function readVersion(r: EnvReader): 'latest' | number {
  const text = r.raw('SCHEMA_VERSION');
  if (text === undefined || text.toLowerCase() === 'latest') return 'latest';
  const version = Number(text);
  if (!Number.isInteger(version) || version < 1) {
    r.problem(`SCHEMA_VERSION must be latest or a version number from 1, got "${text}"`);
    return 'latest';
  }
  return version;
}

/** Whether a definition names its record as lib/schema reads it (record-name.ts): Avro `name`, JSON Schema `title`. */
function namesItsRecord(format: SchemaFormat, definition: string | undefined): boolean {
  if (definition === undefined || format === 'protobuf' || !isJson(definition)) return false;
  const schema = JSON.parse(definition) as { name?: unknown; title?: unknown } | null;
  if (typeof schema !== 'object' || schema === null) return false;
  return typeof (format === 'avro' ? schema.name : schema.title) === 'string';
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
