/** Base of the errors scheduled publishing raises; `retriable` says whether a later run may succeed. */
export class ScheduledSourceError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/**
 * The schedule's input is not `{"messages": [...]}` of valid messages. Every problem is listed and
 * nothing was written, so retries cannot help: the event ends in the function's failure
 * destination / dead-letter queue.
 */
export class InvalidScheduleInputError extends ScheduledSourceError {
  constructor(readonly problems: readonly string[]) {
    super(
      `invalid schedule input (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was written:\n- ${problems.join('\n- ')}`,
    );
  }
}

/** An S3 object changed (new ETag) while it was being read; it is read afresh by a later run. */
export class ObjectChangedError extends ScheduledSourceError {
  constructor(
    readonly bucket: string,
    readonly key: string,
    cause?: unknown,
  ) {
    super(`s3://${bucket}/${key} changed while it was being read`, { retriable: true, cause });
  }
}

/**
 * An object's saved progress moved under this run: another invocation is publishing the same
 * object (give the function a reserved concurrency of 1). This run stops at once.
 */
export class ConcurrentRunError extends ScheduledSourceError {
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly expected: string | undefined,
    readonly found: string | undefined,
  ) {
    super(
      `the progress of s3://${bucket}/${key} moved under this run (expected "${expected ?? 'none'}", found "${found ?? 'none'}"): another invocation is publishing it`,
      { retriable: true },
    );
  }
}

/** An S3 call of the NDJSON source failed (after the SDK's own retries). */
export class S3SourceError extends ScheduledSourceError {
  constructor(message: string, cause: unknown) {
    const detail = cause instanceof Error ? `: ${cause.name}: ${cause.message}` : '';
    super(`${message}${detail}`, { retriable: true, cause });
  }
}
