import { ValueFormat } from './codec.ts';

/**
 * The registries' names for the formats: Confluent's `schemaType` (absent = AVRO) and Glue's
 * `DataFormat` use the same three words.
 */
export type RegistryFormatName = 'AVRO' | 'JSON' | 'PROTOBUF';

const TO_REGISTRY: Record<ValueFormat, RegistryFormatName> = {
  [ValueFormat.Avro]: 'AVRO',
  [ValueFormat.JsonSchema]: 'JSON',
  [ValueFormat.Protobuf]: 'PROTOBUF',
};

/** The registry's name of `format`. */
export function registryFormatName(format: ValueFormat): RegistryFormatName {
  return TO_REGISTRY[format];
}

/** The format a registry's name means; `undefined` for a name this module does not encode. */
export function formatOfRegistryName(name: string | undefined): ValueFormat | undefined {
  const upper = (name ?? 'AVRO').toUpperCase();
  return (Object.keys(TO_REGISTRY) as ValueFormat[]).find((format) => TO_REGISTRY[format] === upper);
}
