import { randomUUID } from 'node:crypto';
import type { S3Api } from '../s3-api.ts';

/**
 * A lease expired this long ago may be taken over. The holder sets the expiry to the end of its
 * invocation (Lambda stops it there); the margin covers clock differences between hosts.
 */
export const LEASE_CLOCK_SKEW_MS = 10_000;

/** The lease object's content (JSON). */
export interface LeaseRecord {
  /** Random id of the run that wrote it. */
  holder: string;
  /** ISO time after which (plus LEASE_CLOCK_SKEW_MS) the lease is free. */
  expiresAt: string;
  /** Set when the holder gave the lease back at the end of its run. */
  released: boolean;
}

/** Why a run did not get the lease. */
export interface LeaseRefusal {
  /** Who holds it and until when, as far as this run saw. */
  holder: string | undefined;
  expiresAt: string | undefined;
}

/** Options of a RunLease. */
export interface RunLeaseOptions {
  s3: S3Api;
  bucket: string;
  key: string;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The lease that makes runs over one S3 source take turns, kept in one small object and changed
 * only by S3 conditional writes, which S3 applies atomically: a run creates it with
 * `If-None-Match: *`, or takes over a released or expired one with `If-Match: <its ETag>`, so of
 * two runs that race, exactly one write succeeds. The object is never deleted: giving the lease
 * back is one more conditional write that marks it released (PutObject is the only write right
 * the function needs on the key). Every write names a fresh holder id, so no two versions share
 * an ETag and an old ETag can never match a newer lease.
 *
 * A run that crashes (or is stopped by Lambda at its timeout) leaves the lease held until its
 * expiry, the end of that invocation, plus LEASE_CLOCK_SKEW_MS: the run after that takes it over.
 *
 * @example
 * const lease = new RunLease({ s3, bucket, key: 'in.kafka-bridge-lease' });
 * if ((await lease.acquire(deadlineMs)) === true) {
 *   try { ... } finally { await lease.release(); }
 * }
 */
export class RunLease {
  private readonly now: () => number;
  private held: { holder: string; etag: string } | undefined;

  constructor(private readonly options: RunLeaseOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether this run holds the lease now. */
  get isHeld(): boolean {
    return this.held !== undefined;
  }

  /**
   * Takes the lease until `expiresAtMs` (epoch ms: the end of the invocation) if it is free,
   * released or expired. Returns true, or who holds it; throws only when S3 cannot be asked.
   */
  async acquire(expiresAtMs: number, signal?: AbortSignal): Promise<true | LeaseRefusal> {
    const { s3, bucket, key } = this.options;
    const current = await s3.getObject(bucket, key, signal);
    const record = current === undefined ? undefined : parseLease(current.body);
    if (current !== undefined && record !== undefined && !this.isFree(record)) {
      return { holder: record.holder, expiresAt: record.expiresAt };
    }
    const holder = randomUUID();
    const body = formatLease({ holder, expiresAt: new Date(expiresAtMs).toISOString(), released: false });
    const etag = await s3.putObjectIf(
      bucket,
      key,
      body,
      current === undefined ? { ifNoneMatch: '*' } : { ifMatch: current.etag },
    );
    // Another run wrote the lease between the read and this write: it is theirs.
    if (etag === undefined) return { holder: undefined, expiresAt: undefined };
    this.held = { holder, etag };
    return true;
  }

  /**
   * Gives the lease back, so the next run need not wait for its expiry. Returns false when the
   * lease was no longer this run's (taken over after it expired); does nothing when not held.
   */
  async release(): Promise<boolean> {
    const held = this.held;
    if (held === undefined) return true;
    this.held = undefined;
    const { s3, bucket, key } = this.options;
    const body = formatLease({
      holder: held.holder,
      expiresAt: new Date(this.now()).toISOString(),
      released: true,
    });
    return (await s3.putObjectIf(bucket, key, body, { ifMatch: held.etag })) !== undefined;
  }

  private isFree(record: LeaseRecord): boolean {
    return record.released || this.now() >= Date.parse(record.expiresAt) + LEASE_CLOCK_SKEW_MS;
  }
}

/** The lease object's body. */
export function formatLease(record: LeaseRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/**
 * Reads a lease object's body; `undefined` when it is not a lease (written by hand?), which
 * counts as free: a run takes it over with If-Match on that content, so the race stays atomic.
 */
export function parseLease(body: Buffer): LeaseRecord | undefined {
  try {
    const value = JSON.parse(body.toString('utf8')) as Partial<LeaseRecord>;
    if (
      typeof value.holder !== 'string' ||
      typeof value.expiresAt !== 'string' ||
      Number.isNaN(Date.parse(value.expiresAt)) ||
      typeof value.released !== 'boolean'
    ) {
      return undefined;
    }
    return { holder: value.holder, expiresAt: value.expiresAt, released: value.released };
  } catch {
    return undefined;
  }
}
