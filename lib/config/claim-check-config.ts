import type { EnvReader } from './env-reader.ts';

/** Where and from which size message values are offloaded to S3 (the claim check). */
export interface ClaimCheckConfig {
  bucket: string;
  /** Key prefix inside the bucket: `''`, or ending in `/`. */
  prefix: string;
  /** A value longer than this many bytes is stored in S3 and the record carries its reference. */
  thresholdBytes: number;
}

/**
 * bakdata's default `large.message.max.byte.size`: below Kafka's default 1 MB record limit
 * (`message.max.bytes` 1048588, `max.request.size` 1048576) with ~48 KB left for the key and
 * headers.
 */
export const DEFAULT_CLAIM_CHECK_THRESHOLD_BYTES = 1_000_000;

/** S3's rules for a general purpose bucket name (3 to 63 of a-z 0-9 . -, alphanumeric at both ends). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** An object key is at most 1024 bytes: prefix + topic (<= 249) + `/values/` + 64-hex id must fit. */
const MAX_PREFIX_BYTES = 512;

/**
 * Reads `KAFKA_CLAIM_CHECK_BUCKET`, `KAFKA_CLAIM_CHECK_PREFIX` and
 * `KAFKA_CLAIM_CHECK_THRESHOLD_BYTES` into `r` (problems are collected there). Returns
 * `undefined` when no bucket is set: the claim check is off.
 */
export function readClaimCheckConfig(r: EnvReader, batchBytes: number): ClaimCheckConfig | undefined {
  const bucket = r.string('KAFKA_CLAIM_CHECK_BUCKET');
  const rawPrefix = r.string('KAFKA_CLAIM_CHECK_PREFIX');
  const thresholdBytes = r.integer('KAFKA_CLAIM_CHECK_THRESHOLD_BYTES', DEFAULT_CLAIM_CHECK_THRESHOLD_BYTES, {
    min: 1,
  });
  if (bucket === undefined) {
    for (const name of ['KAFKA_CLAIM_CHECK_PREFIX', 'KAFKA_CLAIM_CHECK_THRESHOLD_BYTES']) {
      if (r.raw(name) !== undefined) r.problem(`${name} needs KAFKA_CLAIM_CHECK_BUCKET`);
    }
    return undefined;
  }
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    r.problem(`KAFKA_CLAIM_CHECK_BUCKET "${bucket}" is not a valid S3 bucket name`);
  }
  const prefix = normalizePrefix(rawPrefix ?? '');
  if (Buffer.byteLength(prefix) > MAX_PREFIX_BYTES) {
    r.problem(`KAFKA_CLAIM_CHECK_PREFIX must be at most ${MAX_PREFIX_BYTES} bytes`);
  }
  // A value between batchBytes and the threshold could be neither offloaded nor written.
  if (thresholdBytes >= batchBytes) {
    r.problem(
      `KAFKA_CLAIM_CHECK_THRESHOLD_BYTES (${thresholdBytes}) must be below KAFKA_BATCH_BYTES (${batchBytes}), ` +
        'which must also hold the key and headers',
    );
  }
  return { bucket, prefix, thresholdBytes };
}

/** `a/b` and `/a/b/` -> `a/b/`: bakdata appends the topic to its base path's key as it is. */
function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}
