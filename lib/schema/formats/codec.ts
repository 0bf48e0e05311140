/** The value formats a schema registry describes, as this module names them. */
export const ValueFormat = {
  Avro: 'avro',
  JsonSchema: 'json-schema',
  Protobuf: 'protobuf',
} as const;
export type ValueFormat = (typeof ValueFormat)[keyof typeof ValueFormat];

/**
 * One schema, compiled: turns a message's value (JSON text) into the payload bytes a consumer with
 * that schema decodes. Built once per schema and container; `encode` runs per message.
 */
export interface SchemaCodec {
  readonly format: ValueFormat;
  /**
   * The value validated against the schema and encoded (no framing). Throws a
   * SchemaValidationError naming the failing field as a JSON pointer.
   */
  encode(json: string): Uint8Array;
  /** Protobuf: the chosen message's index path in its file (Confluent's message indexes). */
  readonly messageIndexes?: readonly number[];
  /** Protobuf: the chosen message's index among the file's messages sorted by full name (Glue). */
  readonly glueMessageIndex?: number;
}

/** What every codec accepts besides the schema text. */
export interface CodecOptions {
  /**
   * Protobuf: the message to encode, fully qualified (`shop.Order.Line`); default: the file's first
   * message, as Confluent's serializers choose.
   */
  messageName?: string;
}
