import type { MessageBytes } from '../writer/message.ts';
import { SchemaDefinitionError } from './formats/schema-definition-error.ts';
import { PromiseCache, waitFor } from './registry/schema-cache.ts';
import type { ResolvedSchema, SchemaSource } from './resolved-schema.ts';
import {
  SchemaRegistryError,
  SchemaValidationError,
  type SerializedValue,
  type SerializeOptions,
  type ValueSerializer,
} from './value-serializer.ts';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The ValueSerializer behind `createValueSerializer`: the subject of a topic, its schema from the
 * registry (once per subject and container: concurrent messages share one fetch, a failed fetch is
 * not kept), then the codec and the framing. Keep one instance per container (module scope), so
 * its cache lives as long as the container.
 */
export class SchemaRegistrySerializer implements ValueSerializer {
  private readonly schemas = new PromiseCache<ResolvedSchema>();

  constructor(
    private readonly source: SchemaSource,
    private readonly subjectFor: (topic: string) => string,
  ) {}

  async serialize(
    topic: string,
    value: MessageBytes | null,
    options?: SerializeOptions,
  ): Promise<SerializedValue> {
    const json = jsonText(value);
    const subject = this.subjectFor(topic);
    const schema = await waitFor(
      this.schemas.get(subject, () => this.source.resolve(subject)),
      options?.signal,
      `the schema of ${this.source.describe(subject)}`,
    );
    return schema.frame(encode(schema, json, () => this.source.describe(subject)));
  }

  /** Forgets every schema: the next message fetches again (tests; a caller that wants a newer `latest`). */
  clearCache(): void {
    this.schemas.clear();
  }
}

/** The codec's payload; a schema found unusable only now is the registry's problem, not the sender's. */
function encode(schema: ResolvedSchema, json: string, where: () => string): Uint8Array {
  try {
    return schema.codec.encode(json);
  } catch (error) {
    if (!(error instanceof SchemaDefinitionError)) throw error;
    throw new SchemaRegistryError(`the schema of ${where()} cannot be used: ${error.message}`, {
      cause: error,
    });
  }
}

/** The value as text; a tombstone or bytes that are not UTF-8 cannot be schema-encoded JSON. */
function jsonText(value: MessageBytes | null): string {
  if (value === null || value === undefined) {
    throw new SchemaValidationError(
      'the value is empty (null): a schema-encoded record needs a JSON value',
      '',
    );
  }
  if (typeof value === 'string') return value;
  try {
    return UTF8.decode(value);
  } catch (error) {
    throw new SchemaValidationError('the value is not UTF-8 text, so not JSON', '', { cause: error });
  }
}
