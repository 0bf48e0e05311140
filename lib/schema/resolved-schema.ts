import type { SchemaCodec } from './formats/codec.ts';
import type { SerializedValue } from './value-serializer.ts';

/**
 * One subject's schema, ready for messages: the compiled codec and the framing that carries the
 * registry's id for it. Built once per subject and container.
 */
export interface ResolvedSchema {
  readonly codec: SchemaCodec;
  /** The record value (and headers) for an encoded payload. */
  frame(payload: Uint8Array): SerializedValue;
}

/** Finds (or registers) a subject's schema and builds its ResolvedSchema. */
export interface SchemaSource {
  /** Where a subject lives, for messages (`https://sr/subjects/x-value`, `glue:reg/x`). */
  describe(subject: string): string;
  resolve(subject: string): Promise<ResolvedSchema>;
}
