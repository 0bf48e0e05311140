import type { HeaderValue, MessageBytes } from '../writer/message.ts';

/**
 * The contract between the schema module (lib/schema: formats, framing, registry clients) and
 * the Lambda layer (lib/lambda: applies a serializer to every message a trigger writes).
 *
 * A serializer turns a message's value, JSON text as every trigger maps it (webhook body, SQS
 * body, EventBridge `detail`, an NDJSON line, a schedule input message), into the bytes a
 * schema-aware consumer decodes: validated against the registry's schema for the topic, encoded
 * (Avro, JSON Schema, Protobuf) and framed (Confluent: magic 0 + 4-byte schema id [+ Protobuf
 * message indexes]; Glue: 0x03, compression byte, 16-byte schema version UUID).
 */
export interface ValueSerializer {
  /**
   * Encodes one value for `topic`. Rejects with a SchemaValidationError when the value does not
   * fit the schema (the sender's mistake: never retried), with a SchemaRegistryError when the
   * schema could not be fetched (retriable). Schemas are fetched once per container and cached;
   * a failed fetch is not cached.
   */
  serialize(topic: string, value: MessageBytes | null, options?: SerializeOptions): Promise<SerializedValue>;
}

export interface SerializeOptions {
  /** Ends a registry fetch (the invocation's time); a fetch it ends is a SchemaRegistryError. */
  signal?: AbortSignal;
}

export interface SerializedValue {
  value: Buffer;
  /** Headers to add to the record (e.g. `__value_schema_id` when ids travel in headers). */
  headers?: Record<string, HeaderValue>;
}

/** The value does not match the schema, or is not JSON: the sender's mistake, never retried. */
export class SchemaValidationError extends Error {
  readonly retriable = false;
  /** Nothing of this message reached Kafka. */
  readonly mayBeDelivered = false;

  constructor(
    message: string,
    /** JSON pointer of the failing field in the input (`''` = the whole value). */
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SchemaValidationError';
  }
}

/** The registry could not answer (down, throttled, out of time, denied): not the sender's mistake. */
export class SchemaRegistryError extends Error {
  readonly retriable = true;
  /** Nothing of this message reached Kafka. */
  readonly mayBeDelivered = false;

  /** The registry's HTTP status, when it answered one (404: a subject or version is missing). */
  readonly status: number | undefined;
  /** What was asked for, without credentials (a REST URL, or the Glue operation and schema). */
  readonly url: string | undefined;

  constructor(message: string, options?: SchemaRegistryErrorOptions) {
    super(message, options);
    this.name = 'SchemaRegistryError';
    this.status = options?.status;
    this.url = options?.url;
  }
}

export interface SchemaRegistryErrorOptions {
  cause?: unknown;
  status?: number;
  url?: string;
}
