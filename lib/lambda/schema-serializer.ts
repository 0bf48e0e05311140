import { SecretError } from '../auth/errors.ts';
import { type RegistryCredentials, RegistrySecret } from '../auth/registry-credentials.ts';
import type { SecretCache } from '../auth/secrets.ts';
import type { SchemaConfig } from '../config/schema-config.ts';
import { createValueSerializer, type ValueSerializerOptions } from '../schema/create-value-serializer.ts';
import {
  SchemaRegistryError,
  type SerializedValue,
  type SerializeOptions,
  type ValueSerializer,
} from '../schema/value-serializer.ts';
import type { MessageBytes } from '../writer/message.ts';

/** What the configured serializer needs from the container. */
export interface ConfiguredSerializerDeps {
  secrets: SecretCache;
}

/**
 * The value serializer `KAFKA_VALUE_FORMAT` and `SCHEMA_*` describe. This module is imported by
 * WarmWriter only when a format other than raw is configured, and it imports lib/schema (its
 * codecs and the Glue client load later still, with the first schema), so none of it is part of
 * a function's cold start without a schema.
 */
export function createConfiguredSerializer(
  config: SchemaConfig,
  deps: ConfiguredSerializerDeps,
): ValueSerializer {
  const options = serializerOptions(config);
  const { registry } = config;
  if (registry.kind === 'confluent' && registry.secretArn !== undefined) {
    return new RotatingSerializer(new RegistrySecret(registry.secretArn, deps.secrets), options);
  }
  return createValueSerializer(options);
}

/** lib/schema's options for a config, without credentials (they come from the secret, later). */
export function serializerOptions(config: SchemaConfig): ValueSerializerOptions {
  const { registry } = config;
  return {
    format: config.format,
    registry:
      registry.kind === 'confluent'
        ? { kind: 'confluent', url: registry.url }
        : { kind: 'glue', registryName: registry.registryName },
    subjectStrategy: config.subjectStrategy,
    version: config.version,
    autoRegister: config.autoRegister,
    ...(config.definition !== undefined ? { schema: config.definition } : {}),
    ...(config.recordName !== undefined ? { recordName: config.recordName } : {}),
    // For Protobuf the record name is also the message of the .proto to encode.
    ...(config.recordName !== undefined && config.format === 'protobuf'
      ? { messageName: config.recordName }
      : {}),
    ...(registry.kind === 'confluent'
      ? { idInHeader: config.idInHeader }
      : { glueCompression: config.glueCompression }),
  };
}

/**
 * A serializer whose registry credentials come from Secrets Manager: read on first use (not at
 * cold start), and read again once after the registry answers 401, as the Kafka secret is after
 * an authentication failure: a rotated password is picked up by warm containers. The serializer
 * built from the old credentials is dropped with them (its cached schemas are fetched again).
 */
class RotatingSerializer implements ValueSerializer {
  private current: Promise<Built> | undefined;
  /** What `current` resolved to: the credentials a 401 is judged against. */
  private latest: Built | undefined;

  constructor(
    private readonly secret: RegistrySecret,
    private readonly options: ValueSerializerOptions,
  ) {}

  async serialize(
    topic: string,
    value: MessageBytes | null,
    options?: SerializeOptions,
  ): Promise<SerializedValue> {
    const used = await this.build();
    try {
      return await used.serializer.serialize(topic, value, options);
    } catch (error) {
      if (!(error instanceof SchemaRegistryError) || error.status !== 401) throw error;
      // Rebuilt once per rotation: concurrent callers that failed with the same credentials share it.
      if (this.latest === used) {
        this.latest = undefined;
        this.current = undefined;
        this.secret.refresh();
      }
      return await (await this.build()).serializer.serialize(topic, value, options);
    }
  }

  private build(): Promise<Built> {
    if (this.current === undefined) {
      const building = this.secret.get().then(
        (credentials) => {
          const serializer = createValueSerializer({
            ...this.options,
            registry: {
              ...this.options.registry,
              auth: authOf(credentials),
            } as ValueSerializerOptions['registry'],
          });
          this.latest = { serializer };
          return this.latest;
        },
        (error: unknown) => {
          // Secrets Manager throttled or unreachable: the registry cannot be asked, retry later.
          if (error instanceof SecretError && error.retriable) {
            throw new SchemaRegistryError(
              `the schema registry's credentials could not be read: ${error.message}`,
              {
                cause: error,
              },
            );
          }
          throw error;
        },
      );
      this.current = building;
      building.catch(() => {
        if (this.current === building) this.current = undefined;
      });
    }
    return this.current;
  }
}

/** A serializer built from one reading of the secret. */
interface Built {
  serializer: ValueSerializer;
}

function authOf(
  credentials: RegistryCredentials,
): { username: string; password: string } | { token: string } {
  return credentials.kind === 'basic'
    ? { username: credentials.username, password: credentials.password }
    : { token: credentials.token };
}
