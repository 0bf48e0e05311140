import { GetSchemaVersionCommand, GlueClient } from '@aws-sdk/client-glue';
import type { Framing } from './esm-unframe.ts';

/** A schema as the registry holds it under the id a record carries. */
export interface RegisteredSchema {
  /** `AVRO`, `PROTOBUF` or `JSON`, as Lambda reports it in `valueSchemaMetadata.dataFormat`. */
  dataFormat: 'AVRO' | 'PROTOBUF' | 'JSON';
  /** The schema text: Avro JSON, .proto source or JSON Schema. */
  definition: string;
}

/** The registry an event source mapping is integrated with: how its records are framed and how their ids resolve. */
export interface SchemaRegistryRef {
  framing: Framing;
  /** Resolves a record's schema id; rejects when the registry does not know it. */
  schemaById(schemaId: string): Promise<RegisteredSchema>;
}

/** The id is not in the registry: Lambda's event source mapping would not deliver the record. */
export class UnknownSchemaIdError extends Error {
  constructor(schemaId: string, detail: string) {
    super(`schema id ${schemaId} is not in the registry (${detail})`);
    this.name = 'UnknownSchemaIdError';
  }
}

/**
 * A Confluent-compatible registry (Apicurio's `ccompatUrl`): ids resolve with
 * `GET /schemas/ids/{id}`, whose `schemaType` is absent for Avro.
 */
export function confluentRegistry(ccompatUrl: string): SchemaRegistryRef {
  return {
    framing: 'confluent',
    async schemaById(schemaId) {
      const response = await fetch(`${ccompatUrl}/schemas/ids/${schemaId}`);
      const body = await response.text();
      if (response.status === 404)
        throw new UnknownSchemaIdError(schemaId, `GET /schemas/ids answered 404: ${body}`);
      if (!response.ok)
        throw new Error(`GET ${ccompatUrl}/schemas/ids/${schemaId} answered ${response.status}: ${body}`);
      const { schema, schemaType } = JSON.parse(body) as { schema: string; schemaType?: string };
      return { dataFormat: dataFormat(schemaType ?? 'AVRO'), definition: schema };
    },
  };
}

/**
 * The AWS Glue Schema Registry (moto locally): a schema version UUID resolves with
 * GetSchemaVersion. `client` defaults to one built from the environment (moto's endpoint under
 * `useMoto()`).
 */
export function glueRegistry(client: GlueClient = new GlueClient({})): SchemaRegistryRef {
  return {
    framing: 'glue',
    async schemaById(schemaId) {
      try {
        const version = await client.send(new GetSchemaVersionCommand({ SchemaVersionId: schemaId }));
        if (version.SchemaDefinition === undefined)
          throw new Error(`GetSchemaVersion ${schemaId} has no definition`);
        return { dataFormat: dataFormat(version.DataFormat ?? ''), definition: version.SchemaDefinition };
      } catch (error) {
        if ((error as { name?: string }).name === 'EntityNotFoundException') {
          throw new UnknownSchemaIdError(schemaId, (error as Error).message);
        }
        throw error;
      }
    },
  };
}

function dataFormat(name: string): RegisteredSchema['dataFormat'] {
  if (name === 'AVRO' || name === 'PROTOBUF' || name === 'JSON') return name;
  throw new Error(`the registry names a schema format Lambda does not support: "${name}"`);
}
