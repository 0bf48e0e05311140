/**
 * A registry's schema this module cannot use (does not parse, or needs what is not supported).
 * Never reaches a caller as is: the serializer reports it as a SchemaRegistryError naming the
 * subject, since it is a configuration problem, not the sender's.
 */
export class SchemaDefinitionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SchemaDefinitionError';
  }
}
