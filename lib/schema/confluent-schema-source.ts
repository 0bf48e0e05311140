import type { ValueFormat } from './formats/codec.ts';
import { loadCodec } from './formats/load-codec.ts';
import { formatOfRegistryName, registryFormatName } from './formats/registry-format.ts';
import { SchemaDefinitionError } from './formats/schema-definition-error.ts';
import { confluentFrame, confluentGuidHeader, VALUE_SCHEMA_ID_HEADER } from './framing/confluent-frame.ts';
import type { ConfluentRegistryClient } from './registry/confluent-client.ts';
import type { SchemaSource } from './resolved-schema.ts';
import { SchemaRegistryError } from './value-serializer.ts';

export interface ConfluentSourceSettings {
  format: ValueFormat;
  version: number | 'latest';
  /** Register `schema` (or find it registered) instead of reading `version`. */
  autoRegister: boolean;
  schema: string | undefined;
  messageName: string | undefined;
  /** The schema GUID in the `__value_schema_id` header, the value unprefixed. */
  idInHeader: boolean;
}

/**
 * Decides what a Confluent-compatible registry's answer means for the bytes: the schema id (or
 * GUID) and the framing. The registry client moves the requests, the codec and framing modules
 * the bytes.
 */
export function confluentSchemaSource(
  client: ConfluentRegistryClient,
  settings: ConfluentSourceSettings,
): SchemaSource {
  const describe = (subject: string) => `${client.url}/subjects/${encodeURIComponent(subject)}`;
  return {
    describe,
    async resolve(subject) {
      const expected = registryFormatName(settings.format);
      let id: number;
      let guid: string | undefined;
      let definition: string;
      if (settings.autoRegister && settings.schema !== undefined) {
        ({ id, guid } = await client.register(subject, settings.schema, expected));
        definition = settings.schema;
      } else {
        const found = await client.getVersion(subject, settings.version);
        if (formatOfRegistryName(found.schemaType) !== settings.format) {
          throw new SchemaRegistryError(
            `subject "${subject}" at ${client.url} holds a ${found.schemaType} schema, not ${expected} as configured`,
            { url: describe(subject) },
          );
        }
        if (found.references.length > 0) {
          throw new SchemaRegistryError(
            `subject "${subject}" at ${client.url} has schema references, which are not supported yet`,
            { url: describe(subject) },
          );
        }
        ({ id, guid, schema: definition } = found);
      }
      const codec = await codecFor(settings, definition, describe(subject));
      if (!settings.idInHeader) {
        return { codec, frame: (payload) => ({ value: confluentFrame(id, payload, codec.messageIndexes) }) };
      }
      if (!guid) {
        throw new SchemaRegistryError(
          `the schema id cannot go in a header: ${client.url} gave no GUID for subject "${subject}" ` +
            '(Confluent Platform 8+ and Confluent Cloud do); turn idInHeader off',
          { url: describe(subject) },
        );
      }
      const header = confluentGuidHeader(guid, codec.messageIndexes);
      return {
        codec,
        frame: (payload) => ({ value: Buffer.from(payload), headers: { [VALUE_SCHEMA_ID_HEADER]: header } }),
      };
    },
  };
}

/** The codec, or a SchemaRegistryError saying the subject's schema cannot be used. */
export async function codecFor(
  settings: { format: ValueFormat; messageName: string | undefined },
  definition: string,
  where: string,
) {
  try {
    return await loadCodec(settings.format, definition, { messageName: settings.messageName });
  } catch (error) {
    if (!(error instanceof SchemaDefinitionError)) throw error;
    throw new SchemaRegistryError(`the schema of ${where} cannot be used: ${error.message}`, {
      cause: error,
      url: where,
    });
  }
}
