/** The options given to `createValueSerializer` do not work together; every problem is listed. */
export class SchemaOptionsError extends Error {
  readonly retriable = false;

  constructor(readonly problems: readonly string[]) {
    super(`invalid schema serializer options:\n- ${problems.join('\n- ')}`);
    this.name = 'SchemaOptionsError';
  }
}
