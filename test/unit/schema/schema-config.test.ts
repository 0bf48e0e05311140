import { describe, expect, it } from 'vitest';
import { readKafkaConfig } from '../../../lib/config/kafka-config.ts';

const BROKERS = { KAFKA_BROKERS: '127.0.0.1:9092' };
const APICURIO = {
  KAFKA_VALUE_FORMAT: 'avro',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8080/apis/ccompat/v7/',
};

describe('KAFKA_VALUE_FORMAT and SCHEMA_*', () => {
  it('is raw without a format: no schema, nothing else needed', () => {
    const { config, problems } = readKafkaConfig(BROKERS);
    expect(problems).toEqual([]);
    expect(config.schema).toBeUndefined();
  });

  it('fills the defaults for a Confluent-compatible registry and trims the trailing slash', () => {
    const { config, problems } = readKafkaConfig({ ...BROKERS, ...APICURIO });
    expect(problems).toEqual([]);
    expect(config.schema).toEqual({
      format: 'avro',
      registry: { kind: 'confluent', url: 'http://127.0.0.1:8080/apis/ccompat/v7', secretArn: undefined },
      subjectStrategy: 'topic',
      version: 'latest',
      autoRegister: false,
      definition: undefined,
      recordName: undefined,
      idInHeader: false,
      glueCompression: 'none',
    });
  });

  it('reads every setting of a Confluent-compatible registry', () => {
    const { config, problems } = readKafkaConfig({
      ...BROKERS,
      KAFKA_VALUE_FORMAT: 'protobuf',
      SCHEMA_REGISTRY_URL: 'https://psrc-1.eu-west-1.aws.confluent.cloud',
      SCHEMA_REGISTRY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry',
      SCHEMA_SUBJECT_STRATEGY: 'topic-record',
      SCHEMA_RECORD_NAME: 'shop.v1.Order',
      SCHEMA_AUTO_REGISTER: 'true',
      SCHEMA_DEFINITION: 'syntax = "proto3"; package shop.v1; message Order { string id = 1; }',
      SCHEMA_ID_IN_HEADER: 'true',
    });
    expect(problems).toEqual([]);
    expect(config.schema).toMatchObject({
      format: 'protobuf',
      registry: {
        kind: 'confluent',
        url: 'https://psrc-1.eu-west-1.aws.confluent.cloud',
        secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry',
      },
      subjectStrategy: 'topic-record',
      recordName: 'shop.v1.Order',
      autoRegister: true,
      idInHeader: true,
    });
  });

  it('reads a Glue registry, a pinned version and zlib compression', () => {
    const { config, problems } = readKafkaConfig({
      ...BROKERS,
      KAFKA_VALUE_FORMAT: 'json-schema',
      SCHEMA_REGISTRY: 'glue:orders-registry',
      SCHEMA_VERSION: '3',
      SCHEMA_GLUE_COMPRESSION: 'zlib',
    });
    expect(problems).toEqual([]);
    expect(config.schema).toMatchObject({
      format: 'json-schema',
      registry: { kind: 'glue', registryName: 'orders-registry' },
      version: 3,
      glueCompression: 'zlib',
    });
  });

  it('refuses a format other than raw without a registry', () => {
    const { config, problems } = readKafkaConfig({ ...BROKERS, KAFKA_VALUE_FORMAT: 'avro' });
    expect(problems).toEqual([
      'KAFKA_VALUE_FORMAT=avro needs a schema registry: SCHEMA_REGISTRY_URL or SCHEMA_REGISTRY=glue:<registry-name>',
    ]);
    expect(config.schema).toBeUndefined();
  });

  it('refuses a registry, or any SCHEMA_* setting, with raw values', () => {
    const { problems } = readKafkaConfig({
      ...BROKERS,
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8080',
      SCHEMA_SUBJECT_STRATEGY: 'record',
    });
    expect(problems).toEqual([
      'SCHEMA_REGISTRY_URL needs KAFKA_VALUE_FORMAT=avro, json-schema or protobuf (it is raw)',
      'SCHEMA_SUBJECT_STRATEGY needs KAFKA_VALUE_FORMAT=avro, json-schema or protobuf (it is raw)',
    ]);
  });

  it('reports every problem at once', () => {
    const { problems } = readKafkaConfig({
      ...BROKERS,
      KAFKA_VALUE_FORMAT: 'avro',
      SCHEMA_REGISTRY_URL: 'http://user:pass@registry.example.com',
      SCHEMA_SUBJECT_STRATEGY: 'record',
      SCHEMA_VERSION: '0',
      SCHEMA_AUTO_REGISTER: 'true',
      SCHEMA_RECORD_NAME: 'not a name',
      SCHEMA_ID_IN_HEADER: 'maybe',
    });
    expect(problems).toEqual([
      'SCHEMA_REGISTRY_URL must not carry credentials: put them in the secret named by SCHEMA_REGISTRY_SECRET_ARN',
      'SCHEMA_VERSION must be latest or a version number from 1, got "0"',
      'SCHEMA_ID_IN_HEADER must be true or false, got "maybe"',
      'SCHEMA_AUTO_REGISTER=true needs SCHEMA_DEFINITION (the schema to register)',
      'SCHEMA_RECORD_NAME "not a name" is not a record name (e.g. com.example.Order)',
    ]);
  });

  it('reports KAFKA_* and SCHEMA_* problems together', () => {
    const { problems } = readKafkaConfig({ KAFKA_BROKERS: 'nope', KAFKA_VALUE_FORMAT: 'thrift' });
    expect(problems).toEqual([
      'KAFKA_BROKERS entry "nope" is not host:port',
      'KAFKA_VALUE_FORMAT must be one of raw, avro, json-schema, protobuf, got "thrift"',
    ]);
  });

  it.each([
    [
      'both registries',
      { SCHEMA_REGISTRY_URL: 'http://r:8081', SCHEMA_REGISTRY: 'glue:r' },
      'set SCHEMA_REGISTRY_URL or SCHEMA_REGISTRY=glue:<registry-name>, not both',
    ],
    [
      'a registry that is not Glue',
      { SCHEMA_REGISTRY: 'apicurio:r' },
      'SCHEMA_REGISTRY must be glue:<registry-name> (letters, digits, - _ $ # .), got "apicurio:r"',
    ],
    [
      'a secret for Glue',
      { SCHEMA_REGISTRY: 'glue:r', SCHEMA_REGISTRY_SECRET_ARN: 'arn:x' },
      'SCHEMA_REGISTRY_SECRET_ARN applies only to SCHEMA_REGISTRY_URL (Glue uses the IAM role)',
    ],
    [
      'ids in headers with Glue',
      { SCHEMA_REGISTRY: 'glue:r', SCHEMA_ID_IN_HEADER: 'true' },
      'SCHEMA_ID_IN_HEADER applies to Confluent-compatible registries (Glue framing has no header form)',
    ],
    [
      'Glue compression with a URL',
      { SCHEMA_REGISTRY_URL: 'http://r:8081', SCHEMA_GLUE_COMPRESSION: 'zlib' },
      'SCHEMA_GLUE_COMPRESSION applies only with SCHEMA_REGISTRY=glue:<registry-name>',
    ],
    [
      'a URL that is not one',
      { SCHEMA_REGISTRY_URL: 'registry:8081/x y' },
      'SCHEMA_REGISTRY_URL must be an http(s) URL',
    ],
    [
      'a URL with a query',
      { SCHEMA_REGISTRY_URL: 'http://r:8081/?token=1' },
      'SCHEMA_REGISTRY_URL must not have a query or fragment',
    ],
    [
      'a record strategy without a record name',
      { SCHEMA_REGISTRY_URL: 'http://r:8081', SCHEMA_SUBJECT_STRATEGY: 'topic-record' },
      'SCHEMA_SUBJECT_STRATEGY=topic-record needs SCHEMA_RECORD_NAME, or a SCHEMA_DEFINITION that names its record',
    ],
    [
      'a definition and a pinned version',
      {
        SCHEMA_REGISTRY_URL: 'http://r:8081',
        SCHEMA_AUTO_REGISTER: 'true',
        SCHEMA_DEFINITION: '"string"',
        SCHEMA_VERSION: '2',
      },
      'set SCHEMA_DEFINITION or SCHEMA_VERSION, not both (a registered definition is its own version)',
    ],
    [
      'a definition without auto-registration (lib/schema would ignore it)',
      { SCHEMA_REGISTRY_URL: 'http://r:8081', SCHEMA_DEFINITION: '"string"' },
      'SCHEMA_DEFINITION is used only with SCHEMA_AUTO_REGISTER=true (otherwise SCHEMA_VERSION is read)',
    ],
    [
      'an Avro definition that is not JSON',
      {
        SCHEMA_REGISTRY_URL: 'http://r:8081',
        SCHEMA_AUTO_REGISTER: 'true',
        SCHEMA_DEFINITION: 'record Order {}',
      },
      'SCHEMA_DEFINITION must be JSON with KAFKA_VALUE_FORMAT=avro',
    ],
    [
      'a record strategy whose definition names no record',
      {
        SCHEMA_REGISTRY_URL: 'http://r:8081',
        SCHEMA_SUBJECT_STRATEGY: 'record',
        SCHEMA_AUTO_REGISTER: 'true',
        SCHEMA_DEFINITION: '"string"',
      },
      'SCHEMA_SUBJECT_STRATEGY=record needs SCHEMA_RECORD_NAME, or a SCHEMA_DEFINITION that names its record',
    ],
  ])('refuses %s', (_, env, problem) => {
    const { problems } = readKafkaConfig({ ...BROKERS, KAFKA_VALUE_FORMAT: 'avro', ...env });
    expect(problems).toEqual([problem]);
  });

  it('accepts a Protobuf definition, which is not JSON', () => {
    const { problems } = readKafkaConfig({
      ...BROKERS,
      KAFKA_VALUE_FORMAT: 'protobuf',
      SCHEMA_REGISTRY_URL: 'http://r:8081',
      SCHEMA_AUTO_REGISTER: 'true',
      SCHEMA_DEFINITION: 'syntax = "proto3"; message Order { string id = 1; }',
    });
    expect(problems).toEqual([]);
  });

  it('takes the record name of a record strategy from the Avro definition to register', () => {
    const { problems } = readKafkaConfig({
      ...BROKERS,
      ...APICURIO,
      SCHEMA_SUBJECT_STRATEGY: 'record',
      SCHEMA_AUTO_REGISTER: 'true',
      SCHEMA_DEFINITION: '{"type":"record","name":"Order","namespace":"shop","fields":[]}',
    });
    expect(problems).toEqual([]);
  });
});
