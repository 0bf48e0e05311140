import { SchemaRegistryError, SchemaValidationError } from '../schema/value-serializer.ts';
import { WriteErrors } from '../writer/errors.ts';
import { HeldBackError } from './staged-write.ts';

/** A failed write's messages sorted by whose problem it is, as indices into the call. */
export interface FailureKinds {
  /** The value does not fit the schema: the sender's mistake, never retried. */
  invalid: number[];
  /** The schema could not be fetched (or was held back behind such a message): retry later. */
  registry: number[];
  /** Anything else: Kafka, S3, held back behind an invalid value in an ordered write. */
  other: number[];
}

/**
 * Sorts a write's failure by kind, so a handler logs one line per kind rather than one per
 * message. A whole-call error (not WriteErrors) counts as `calls` failures of its kind.
 */
export function failureKinds(error: unknown, calls: number): FailureKinds {
  const kinds: FailureKinds = { invalid: [], registry: [], other: [] };
  const errors = error instanceof WriteErrors ? error.errors : Array.from({ length: calls }, () => error);
  errors.forEach((e, i) => {
    if (e === undefined) return;
    if (e instanceof SchemaValidationError) kinds.invalid.push(i);
    else if (isRegistryFailure(e)) kinds.registry.push(i);
    else kinds.other.push(i);
  });
  return kinds;
}

/** The first failure of a write, looking into WriteErrors. */
export function firstFailure(error: unknown): unknown {
  if (error instanceof WriteErrors) return error.errors.find((e) => e !== undefined) ?? error.cause;
  return error;
}

/** The registry could not answer for this message, or for one it waited behind. */
export function isRegistryFailure(error: unknown): boolean {
  if (error instanceof SchemaRegistryError) return true;
  return error instanceof HeldBackError && error.blockedBy instanceof SchemaRegistryError;
}

/** `/total` -> `at /total`; the whole value -> `as a whole`: for log lines and answers. */
export function fieldText(field: string): string {
  return field === '' ? 'as a whole' : `at ${field}`;
}
