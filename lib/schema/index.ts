/**
 * `kafka-lambda-bridge/schema-registry`: values validated against a schema registry's schema,
 * encoded (Avro, JSON Schema, Protobuf) and framed (Confluent, AWS Glue) as the reference
 * serializers write them. The codecs and the Glue SDK load on first use.
 */
export {
  type ConfluentRegistryOptions,
  createValueSerializer,
  type GlueRegistryOptions,
  type ValueSerializerOptions,
} from './create-value-serializer.ts';
export { type CodecOptions, type SchemaCodec, ValueFormat } from './formats/codec.ts';
export { loadCodec } from './formats/load-codec.ts';
export {
  confluentFrame,
  confluentGuidHeader,
  encodeMessageIndexes,
  KEY_SCHEMA_ID_HEADER,
  VALUE_SCHEMA_ID_HEADER,
} from './framing/confluent-frame.ts';
export { type GlueCompression, glueFrame, glueProtobufPayload } from './framing/glue-frame.ts';
export {
  type ConfluentRegistration,
  type ConfluentRegistryAuth,
  ConfluentRegistryClient,
  type ConfluentRegistryClientOptions,
  type ConfluentSchemaVersion,
} from './registry/confluent-client.ts';
export {
  GlueRegistryClient,
  type GlueRegistryClientOptions,
  type GlueSchemaVersion,
} from './registry/glue-client.ts';
export { SchemaOptionsError } from './schema-options-error.ts';
export { SchemaRegistrySerializer } from './schema-registry-serializer.ts';
export { SubjectNameStrategy } from './subject-name.ts';
export {
  SchemaRegistryError,
  type SchemaRegistryErrorOptions,
  SchemaValidationError,
  type SerializedValue,
  type SerializeOptions,
  type ValueSerializer,
} from './value-serializer.ts';
