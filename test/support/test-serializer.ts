import {
  SchemaRegistryError,
  SchemaValidationError,
  type SerializedValue,
  type SerializeOptions,
  type ValueSerializer,
} from '../../lib/schema/value-serializer.ts';
import type { MessageBytes } from '../../lib/writer/message.ts';

/**
 * A ValueSerializer of the tests' own, following the contract exactly, to drive validation and
 * registry failures on demand in tests of the Lambda layer (lib/schema's real serializer is
 * tested against a real registry). Its "schema": a JSON object whose `id` is a string. Encoded
 * values are Confluent-framed (magic 0, schema id 7) JSON text; with `idInHeader` the id travels
 * in `__value_schema_id` instead.
 */
export class TestSerializer implements ValueSerializer {
  /** serialize() calls per topic: proves a failing registry is asked once per topic, not per message. */
  readonly calls = new Map<string, number>();
  /** Topics whose registry is "down": SchemaRegistryError. */
  readonly unavailable = new Set<string>();
  /** Signals seen, to check a registry fetch is bounded by the invocation's time. */
  readonly signals: Array<AbortSignal | undefined> = [];

  constructor(private readonly options: { idInHeader?: boolean } = {}) {}

  async serialize(
    topic: string,
    value: MessageBytes | null,
    options?: SerializeOptions,
  ): Promise<SerializedValue> {
    this.calls.set(topic, (this.calls.get(topic) ?? 0) + 1);
    this.signals.push(options?.signal);
    if (this.unavailable.has(topic)) throw new SchemaRegistryError(`registry unavailable for ${topic}-value`);
    const text = value === null ? 'null' : Buffer.from(value).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new SchemaValidationError('the value is not JSON', '', { cause: error });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SchemaValidationError('must be an object', '');
    }
    if (typeof (parsed as { id?: unknown }).id !== 'string') {
      throw new SchemaValidationError('must be a string', '/id');
    }
    const json = Buffer.from(JSON.stringify(parsed));
    if (this.options.idInHeader) return { value: json, headers: { __value_schema_id: '7' } };
    return { value: Buffer.concat([TEST_SCHEMA_FRAME, json]) };
  }
}

/** Confluent framing with schema id 7, as TestSerializer writes it. */
export const TEST_SCHEMA_FRAME = Buffer.from([0, 0, 0, 0, 7]);
