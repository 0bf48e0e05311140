import { type CodecOptions, type SchemaCodec, ValueFormat } from './codec.ts';

/**
 * Builds the codec of one schema, importing its format's library only now (avsc, @cfworker/json-schema, protobufjs):
 * a function without a schema, or with another format, never loads the others. Throws a
 * SchemaDefinitionError when the schema cannot be used.
 */
export async function loadCodec(
  format: ValueFormat,
  definition: string,
  options: CodecOptions = {},
): Promise<SchemaCodec> {
  switch (format) {
    case ValueFormat.Avro:
      return (await import('./avro-codec.ts')).createAvroCodec(definition);
    case ValueFormat.JsonSchema:
      return (await import('./json-schema-codec.ts')).createJsonSchemaCodec(definition);
    case ValueFormat.Protobuf:
      return (await import('./protobuf-codec.ts')).createProtobufCodec(definition, options);
  }
}
