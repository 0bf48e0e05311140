/** The environment does not describe a working configuration; every problem is listed at once. */
export class ConfigError extends Error {
  readonly retriable = false;

  constructor(readonly problems: readonly string[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`,
    );
    this.name = 'ConfigError';
  }
}
