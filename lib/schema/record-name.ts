import { ValueFormat } from './formats/codec.ts';

/**
 * The fully qualified record name the `record` strategies use, as Confluent's serializers take it
 * from the schema: Avro's `namespace.name`, JSON Schema's `title`, Protobuf's message name. Here
 * the schema is not known before the subject is, so the name is configured (`recordName`, or
 * `messageName` for Protobuf) or read from the schema given for auto-registration.
 */
export function recordNameOf(
  format: ValueFormat,
  options: { recordName?: string | undefined; messageName?: string | undefined; schema?: string | undefined },
): string | undefined {
  if (options.recordName) return options.recordName;
  if (format === ValueFormat.Protobuf) return options.messageName?.replace(/^\./, '');
  if (!options.schema) return undefined;
  let schema: unknown;
  try {
    schema = JSON.parse(options.schema);
  } catch {
    return undefined;
  }
  if (typeof schema !== 'object' || schema === null) return undefined;
  const { name, namespace, title } = schema as { name?: unknown; namespace?: unknown; title?: unknown };
  if (format === ValueFormat.JsonSchema) return typeof title === 'string' ? title : undefined;
  if (typeof name !== 'string') return undefined;
  // A dotted name is already fully qualified (the Avro specification ignores the namespace then).
  return name.includes('.') || typeof namespace !== 'string' || !namespace ? name : `${namespace}.${name}`;
}
