import { parseJsonPointer } from '../mapping/json-pointer.ts';
import type { Env } from './env-reader.ts';
import { EnvReader } from './env-reader.ts';

/** `SCHEDULE_SOURCE` kinds. */
export const ScheduleSourceKind = {
  /** Messages carried in the schedule's input (the event payload). */
  Input: 'input',
  /** NDJSON objects under an S3 prefix, one message per line. */
  S3: 's3',
} as const;
export type ScheduleSourceKind = (typeof ScheduleSourceKind)[keyof typeof ScheduleSourceKind];

/** Where a scheduled run takes its messages from (`SCHEDULE_SOURCE`). */
export type ScheduleSource =
  | { kind: typeof ScheduleSourceKind.Input }
  /**
   * `prefix` is an S3 key prefix, matched as S3 matches it ('' = the whole bucket); `leaseKey` is
   * the object runs take turns by (`SCHEDULE_LEASE_KEY`, default defaultLeaseKey(prefix)).
   */
  | { kind: typeof ScheduleSourceKind.S3; bucket: string; prefix: string; leaseKey: string };

/** The resolved `SCHEDULE_*` configuration. */
export interface ScheduleConfig {
  source: ScheduleSource;
  /** Default topic (`KAFKA_TOPIC`): every NDJSON line, and input messages that name none. */
  topic: string | undefined;
  /** RFC 6901 pointer into each NDJSON object / input message value for the key (`SCHEDULE_KEY`). */
  keyPointer: { pointer: string; tokens: readonly string[] } | undefined;
  /** Lines (or input messages) per Writer call; also how often S3 progress is saved. */
  batchSize: number;
  /** Most S3 objects started per invocation. */
  maxObjects: number;
  /**
   * Milliseconds of the write budget (`KAFKA_DEADLINE_MARGIN_MS` already taken off) left unused
   * when a run stops to resume next time; the slowest batch seen so far is kept free on top.
   */
  stopMarginMs: number;
  /** Bytes per ranged GET of an S3 object. */
  chunkBytes: number;
  /** Longest accepted NDJSON line; a longer one marks its object failed. */
  maxLineBytes: number;
}

/** Defaults of the `SCHEDULE_*` variables. */
export const SCHEDULE_DEFAULTS = {
  batchSize: 500,
  maxObjects: Number.POSITIVE_INFINITY,
  stopMarginMs: 1000,
  chunkBytes: 8 * 1024 * 1024,
  maxLineBytes: 1_000_000,
} as const;

/** What the default lease key adds to the prefix. */
export const LEASE_KEY_SUFFIX = '.kafka-bridge-lease';

/**
 * Where the run lease of an S3 source lives by default: beside a folder prefix
 * (`in/` -> `in.kafka-bridge-lease`), so nothing new appears under it; under any other prefix
 * (`in` -> `in.kafka-bridge-lease`, `''` -> `.kafka-bridge-lease`) the source skips that one key.
 * The CDK construct computes the same key for its grant.
 */
export function defaultLeaseKey(prefix: string): string {
  return `${prefix.endsWith('/') ? prefix.slice(0, -1) : prefix}${LEASE_KEY_SUFFIX}`;
}

/** S3's rules for general purpose bucket names (3-63 of a-z 0-9 . -, alphanumeric at both ends). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Kafka's own rule for topic names. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Reads `SCHEDULE_SOURCE`, `SCHEDULE_LEASE_KEY`, `SCHEDULE_KEY`, `SCHEDULE_BATCH_SIZE`, `SCHEDULE_MAX_OBJECTS`,
 * `SCHEDULE_STOP_MARGIN_MS`, `SCHEDULE_CHUNK_BYTES`, `SCHEDULE_MAX_LINE_BYTES` and `KAFKA_TOPIC`,
 * collecting every problem so a cold start names all mistakes at once.
 */
export function readScheduleConfig(env: Env): { config: ScheduleConfig; problems: string[] } {
  const r = new EnvReader(env);
  const source = readSource(r);
  const topic = r.string('KAFKA_TOPIC');
  if (topic !== undefined && (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..')) {
    r.problem(`KAFKA_TOPIC "${topic}" is not a valid Kafka topic name ([a-zA-Z0-9._-], 1 to 249 characters)`);
  }
  // NDJSON lines carry no topic of their own; input messages may name theirs.
  if (source.kind === ScheduleSourceKind.S3 && topic === undefined) {
    r.problem('SCHEDULE_SOURCE=s3://... needs KAFKA_TOPIC: NDJSON lines are written to it');
  }
  const config: ScheduleConfig = {
    source,
    topic,
    keyPointer: readKey(r),
    batchSize: r.integer('SCHEDULE_BATCH_SIZE', SCHEDULE_DEFAULTS.batchSize, { min: 1, max: 100_000 }),
    maxObjects: r.integer('SCHEDULE_MAX_OBJECTS', SCHEDULE_DEFAULTS.maxObjects, { min: 1 }),
    stopMarginMs: r.integer('SCHEDULE_STOP_MARGIN_MS', SCHEDULE_DEFAULTS.stopMarginMs, { min: 0 }),
    chunkBytes: r.integer('SCHEDULE_CHUNK_BYTES', SCHEDULE_DEFAULTS.chunkBytes, {
      min: 1024,
      max: 256 * 1024 * 1024,
    }),
    maxLineBytes: r.integer('SCHEDULE_MAX_LINE_BYTES', SCHEDULE_DEFAULTS.maxLineBytes, {
      min: 16,
      max: 64 * 1024 * 1024,
    }),
  };
  return { config, problems: r.problems };
}

function readSource(r: EnvReader): ScheduleSource {
  const text = r.string('SCHEDULE_SOURCE', ScheduleSourceKind.Input);
  if (text.toLowerCase() === ScheduleSourceKind.Input) return { kind: ScheduleSourceKind.Input };
  if (!text.startsWith('s3://')) {
    r.problem(`SCHEDULE_SOURCE must be input or s3://<bucket>/<prefix>, got "${text}"`);
    return { kind: ScheduleSourceKind.Input };
  }
  const rest = text.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    r.problem(`SCHEDULE_SOURCE "${text}" does not name a valid S3 bucket (3-63 of a-z 0-9 . -)`);
  }
  if (Buffer.byteLength(prefix) > 1024) r.problem('SCHEDULE_SOURCE prefix is longer than an S3 key may be');
  const leaseKey = r.string('SCHEDULE_LEASE_KEY', defaultLeaseKey(prefix));
  if (leaseKey === '' || leaseKey.startsWith('/') || Buffer.byteLength(leaseKey) > 1024) {
    r.problem(`SCHEDULE_LEASE_KEY "${leaseKey}" is not an S3 key (1-1024 bytes, not starting with /)`);
  }
  return { kind: ScheduleSourceKind.S3, bucket, prefix, leaseKey };
}

function readKey(r: EnvReader): ScheduleConfig['keyPointer'] {
  const text = r.string('SCHEDULE_KEY', 'none');
  if (text === 'none') return undefined;
  const tokens = text.startsWith('json:') ? parseJsonPointer(text.slice('json:'.length)) : undefined;
  if (tokens === undefined) {
    r.problem(`SCHEDULE_KEY must be json:<RFC 6901 pointer> or none, got "${text}"`);
    return undefined;
  }
  return { pointer: text.slice('json:'.length), tokens };
}
