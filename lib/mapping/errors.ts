/** An event (or one record of it) cannot be turned into a Kafka message; retrying will not help. */
export class MappingError extends Error {
  readonly retriable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MappingError';
  }
}
