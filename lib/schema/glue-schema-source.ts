import { codecFor } from './confluent-schema-source.ts';
import type { ValueFormat } from './formats/codec.ts';
import { formatOfRegistryName, registryFormatName } from './formats/registry-format.ts';
import { type GlueCompression, glueFrame, glueProtobufPayload } from './framing/glue-frame.ts';
import type { GlueRegistryClient } from './registry/glue-client.ts';
import type { SchemaSource } from './resolved-schema.ts';
import { SchemaRegistryError } from './value-serializer.ts';

export interface GlueSourceSettings {
  format: ValueFormat;
  version: number | 'latest';
  autoRegister: boolean;
  schema: string | undefined;
  messageName: string | undefined;
  compression: GlueCompression;
}

/**
 * Decides what a Glue schema version means for the bytes: its version UUID in the frame, and for
 * Protobuf the message index Glue's deserializers read before the message.
 */
export function glueSchemaSource(client: GlueRegistryClient, settings: GlueSourceSettings): SchemaSource {
  const describe = (schemaName: string) => client.describe(schemaName);
  return {
    describe,
    async resolve(schemaName) {
      const expected = registryFormatName(settings.format);
      const version =
        settings.autoRegister && settings.schema !== undefined
          ? await client.register(schemaName, settings.schema, expected)
          : await client.getSchemaVersion(schemaName, settings.version);
      if (formatOfRegistryName(version.dataFormat) !== settings.format) {
        throw new SchemaRegistryError(
          `${describe(schemaName)} holds a ${version.dataFormat} schema, not ${expected} as configured`,
          { url: describe(schemaName) },
        );
      }
      const codec = await codecFor(settings, version.definition, describe(schemaName));
      const messageIndex = codec.glueMessageIndex;
      return {
        codec,
        frame: (payload) => ({
          value: glueFrame(
            version.schemaVersionId,
            messageIndex === undefined ? payload : glueProtobufPayload(messageIndex, payload),
            settings.compression,
          ),
        }),
      };
    },
  };
}
