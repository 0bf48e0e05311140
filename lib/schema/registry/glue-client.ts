import type { GlueClient } from '@aws-sdk/client-glue';
import { SchemaRegistryError } from '../value-serializer.ts';

export interface GlueRegistryClientOptions {
  /** The registry's name (`SCHEMA_REGISTRY=glue:<name>`). */
  registryName: string;
  /** Default: the SDK's own (AWS_REGION). */
  region?: string;
  /** Default: the SDK's own (AWS_ENDPOINT_URL; moto locally). */
  endpoint?: string;
  /** How long one call (retries included) may take before it counts as failed. Default 10 s. */
  requestTimeoutMs?: number;
  /** While a registered version's compatibility check runs: how often to look, how many times. */
  pendingPollMs?: number;
  pendingPolls?: number;
}

/** A schema version as Glue answers it. */
export interface GlueSchemaVersion {
  schemaName: string;
  /** The UUID a Glue frame carries. */
  schemaVersionId: string;
  /** `AVRO`, `JSON` or `PROTOBUF`. */
  dataFormat: string;
  definition: string;
  versionNumber: number | undefined;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The calls a producer needs from the AWS Glue Schema Registry, through @aws-sdk/client-glue,
 * which is imported on first use (a function on Confluent's registry, or with no schema, never
 * loads it). Failures are SchemaRegistryErrors naming the registry, schema and the SDK's error.
 */
export class GlueRegistryClient {
  private client: Promise<{ client: GlueClient; sdk: typeof import('@aws-sdk/client-glue') }> | undefined;

  constructor(private readonly options: GlueRegistryClientOptions) {}

  /** Where a schema lives, for messages: `glue:<registry>/<schema>`. */
  describe(schemaName: string): string {
    return `glue:${this.options.registryName}/${schemaName}`;
  }

  /** GetSchemaVersion: the latest version of a schema, or a numbered one. */
  async getSchemaVersion(schemaName: string, version: number | 'latest'): Promise<GlueSchemaVersion> {
    const { client, sdk } = await this.connect();
    const output = await this.call(schemaName, 'GetSchemaVersion', () =>
      client.send(
        new sdk.GetSchemaVersionCommand({
          SchemaId: { RegistryName: this.options.registryName, SchemaName: schemaName },
          SchemaVersionNumber: version === 'latest' ? { LatestVersion: true } : { VersionNumber: version },
        }),
        { abortSignal: this.timeout() },
      ),
    );
    return this.available(schemaName, output);
  }

  /**
   * The version holding `definition`, registered first when it is not (auto-registration, as the
   * AWS serializers do it): GetSchemaByDefinition; else RegisterSchemaVersion; else, when the
   * schema itself does not exist, CreateSchema (BACKWARD compatibility, Glue's default). A version
   * still under its compatibility check is waited for.
   */
  async register(schemaName: string, definition: string, dataFormat: string): Promise<GlueSchemaVersion> {
    const { client, sdk } = await this.connect();
    const schemaId = { RegistryName: this.options.registryName, SchemaName: schemaName };
    let versionId: string | undefined;
    try {
      const found = await client.send(
        new sdk.GetSchemaByDefinitionCommand({ SchemaId: schemaId, SchemaDefinition: definition }),
        { abortSignal: this.timeout() },
      );
      versionId = found.SchemaVersionId;
    } catch (error) {
      if (!isNotFound(error)) throw this.error(schemaName, 'GetSchemaByDefinition', error);
    }
    if (!versionId) {
      try {
        const registered = await client.send(
          new sdk.RegisterSchemaVersionCommand({ SchemaId: schemaId, SchemaDefinition: definition }),
          { abortSignal: this.timeout() },
        );
        versionId = registered.SchemaVersionId;
      } catch (error) {
        if (!isNotFound(error)) throw this.error(schemaName, 'RegisterSchemaVersion', error);
        const created = await this.call(schemaName, 'CreateSchema', () =>
          client.send(
            new sdk.CreateSchemaCommand({
              RegistryId: { RegistryName: this.options.registryName },
              SchemaName: schemaName,
              DataFormat: dataFormat as 'AVRO',
              Compatibility: 'BACKWARD',
              SchemaDefinition: definition,
            }),
            { abortSignal: this.timeout() },
          ),
        );
        versionId = created.SchemaVersionId;
      }
    }
    if (!versionId)
      throw new SchemaRegistryError(`${this.describe(schemaName)}: registering answered no version id`);
    return this.waitAvailable(schemaName, versionId);
  }

  private async waitAvailable(schemaName: string, schemaVersionId: string): Promise<GlueSchemaVersion> {
    const { client, sdk } = await this.connect();
    const polls = this.options.pendingPolls ?? 10;
    for (let poll = 0; ; poll++) {
      const output = await this.call(schemaName, 'GetSchemaVersion', () =>
        client.send(new sdk.GetSchemaVersionCommand({ SchemaVersionId: schemaVersionId }), {
          abortSignal: this.timeout(),
        }),
      );
      if (output.Status !== 'PENDING' || poll >= polls) return this.available(schemaName, output);
      await new Promise((resolve) => setTimeout(resolve, this.options.pendingPollMs ?? 1000));
    }
  }

  private available(
    schemaName: string,
    output: {
      SchemaVersionId?: string | undefined;
      SchemaDefinition?: string | undefined;
      DataFormat?: string | undefined;
      VersionNumber?: number | undefined;
      Status?: string | undefined;
    },
  ): GlueSchemaVersion {
    const where = this.describe(schemaName);
    if (output.Status && output.Status !== 'AVAILABLE') {
      const why = output.Status === 'FAILURE' ? ' (it failed the compatibility check)' : '';
      throw new SchemaRegistryError(`${where} version ${output.SchemaVersionId} is ${output.Status}${why}`, {
        url: where,
      });
    }
    if (!output.SchemaVersionId || !output.SchemaDefinition) {
      throw new SchemaRegistryError(
        `${where}: GetSchemaVersion answered without a version id and definition`,
        {
          url: where,
        },
      );
    }
    return {
      schemaName,
      schemaVersionId: output.SchemaVersionId,
      dataFormat: output.DataFormat ?? 'AVRO',
      definition: output.SchemaDefinition,
      versionNumber: output.VersionNumber,
    };
  }

  private connect() {
    this.client ??= import('@aws-sdk/client-glue').then((sdk) => ({
      sdk,
      client: new sdk.GlueClient({
        ...(this.options.region ? { region: this.options.region } : {}),
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      }),
    }));
    // A failed import is not kept: the next call tries again.
    this.client.catch(() => {
      this.client = undefined;
    });
    return this.client;
  }

  private timeout(): AbortSignal {
    return AbortSignal.timeout(this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  }

  private async call<T>(schemaName: string, operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.error(schemaName, operation, error);
    }
  }

  /** The SDK's error in the registry's terms; a missing registry or schema says so plainly. */
  private error(schemaName: string, operation: string, error: unknown): SchemaRegistryError {
    const where = this.describe(schemaName);
    const name = (error as { name?: string }).name ?? 'Error';
    const message = (error as { message?: string }).message ?? '';
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    let what: string;
    if (isNotFound(error)) {
      what = `${where} was not found: create the schema in registry ${this.options.registryName}, or turn auto-registration on`;
    } else if (name === 'AccessDeniedException') {
      what = `${operation} on ${where} was denied (the function's role needs glue:${operation})`;
    } else if (name === 'TimeoutError' || name === 'AbortError') {
      what = `${operation} on ${where} did not answer within ${this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS} ms`;
    } else {
      what = `${operation} on ${where} failed`;
    }
    return new SchemaRegistryError(`${what} (${name}${message ? `: ${message}` : ''})`, {
      cause: error,
      ...(status === undefined ? {} : { status }),
      url: where,
    });
  }
}

function isNotFound(error: unknown): boolean {
  return (error as { name?: string }).name === 'EntityNotFoundException';
}
