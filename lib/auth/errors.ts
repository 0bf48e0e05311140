/** A secret could not be fetched or does not hold what the bridge needs. */
export class SecretError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecretError';
  }
}
