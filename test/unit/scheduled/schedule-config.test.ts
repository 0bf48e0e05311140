import { describe, expect, it } from 'vitest';
import { readScheduleConfig, SCHEDULE_DEFAULTS } from '../../../lib/config/schedule-config.ts';

describe('readScheduleConfig', () => {
  it('has the documented defaults: the input source, no key, batches of 500', () => {
    const { config, problems } = readScheduleConfig({});
    expect(problems).toEqual([]);
    expect(config).toEqual({
      source: { kind: 'input' },
      topic: undefined,
      keyPointer: undefined,
      batchSize: 500,
      maxObjects: Number.POSITIVE_INFINITY,
      stopMarginMs: SCHEDULE_DEFAULTS.stopMarginMs,
      chunkBytes: 8 * 1024 * 1024,
      maxLineBytes: 1_000_000,
    });
  });

  it('reads an S3 source and every setting', () => {
    const { config, problems } = readScheduleConfig({
      SCHEDULE_SOURCE: 's3://exports.example-1/daily/orders/',
      KAFKA_TOPIC: 'orders',
      SCHEDULE_KEY: 'json:/order/id',
      SCHEDULE_BATCH_SIZE: '200',
      SCHEDULE_MAX_OBJECTS: '3',
      SCHEDULE_STOP_MARGIN_MS: '250',
      SCHEDULE_CHUNK_BYTES: '65536',
      SCHEDULE_MAX_LINE_BYTES: '4096',
    });
    expect(problems).toEqual([]);
    expect(config).toEqual({
      source: {
        kind: 's3',
        bucket: 'exports.example-1',
        prefix: 'daily/orders/',
        leaseKey: 'daily/orders.kafka-bridge-lease',
      },
      topic: 'orders',
      keyPointer: { pointer: '/order/id', tokens: ['order', 'id'] },
      batchSize: 200,
      maxObjects: 3,
      stopMarginMs: 250,
      chunkBytes: 65536,
      maxLineBytes: 4096,
    });
  });

  it.each([
    ['s3://bucket-a', '', '.kafka-bridge-lease'],
    ['s3://bucket-a/', '', '.kafka-bridge-lease'],
    ['s3://bucket-a/exports-2026-', 'exports-2026-', 'exports-2026-.kafka-bridge-lease'],
    ['s3://bucket-a/in/daily/', 'in/daily/', 'in/daily.kafka-bridge-lease'],
  ])(
    'takes the prefix of %s as S3 matches it, and puts the run lease beside it',
    (source, prefix, leaseKey) => {
      const { config, problems } = readScheduleConfig({ SCHEDULE_SOURCE: source, KAFKA_TOPIC: 't' });
      expect(problems).toEqual([]);
      expect(config.source).toEqual({ kind: 's3', bucket: 'bucket-a', prefix, leaseKey });
    },
  );

  it('takes the run lease key from SCHEDULE_LEASE_KEY', () => {
    const { config, problems } = readScheduleConfig({
      SCHEDULE_SOURCE: 's3://bucket-a/in/',
      SCHEDULE_LEASE_KEY: 'locks/in',
      KAFKA_TOPIC: 't',
    });
    expect(problems).toEqual([]);
    expect(config.source).toMatchObject({ leaseKey: 'locks/in' });
  });

  it('refuses a SCHEDULE_LEASE_KEY that is no S3 key', () => {
    const { problems } = readScheduleConfig({
      SCHEDULE_SOURCE: 's3://bucket-a/in/',
      SCHEDULE_LEASE_KEY: '/locks/in',
      KAFKA_TOPIC: 't',
    });
    expect(problems).toEqual([
      'SCHEDULE_LEASE_KEY "/locks/in" is not an S3 key (1-1024 bytes, not starting with /)',
    ]);
  });

  it('accepts INPUT in any case', () => {
    expect(readScheduleConfig({ SCHEDULE_SOURCE: 'INPUT' }).config.source).toEqual({ kind: 'input' });
  });

  it('reports every problem at once', () => {
    const { problems } = readScheduleConfig({
      SCHEDULE_SOURCE: 's3://Not_A_Bucket/x/',
      KAFKA_TOPIC: 'bad topic!',
      SCHEDULE_KEY: 'header:x-id',
      SCHEDULE_BATCH_SIZE: '0',
      SCHEDULE_MAX_OBJECTS: 'many',
      SCHEDULE_STOP_MARGIN_MS: '-1',
      SCHEDULE_CHUNK_BYTES: '10',
      SCHEDULE_MAX_LINE_BYTES: '1.5',
    });
    expect(problems).toEqual([
      'SCHEDULE_SOURCE "s3://Not_A_Bucket/x/" does not name a valid S3 bucket (3-63 of a-z 0-9 . -)',
      'KAFKA_TOPIC "bad topic!" is not a valid Kafka topic name ([a-zA-Z0-9._-], 1 to 249 characters)',
      'SCHEDULE_KEY must be json:<RFC 6901 pointer> or none, got "header:x-id"',
      'SCHEDULE_BATCH_SIZE must be an integer from 1 to 100000, got "0"',
      `SCHEDULE_MAX_OBJECTS must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got "many"`,
      `SCHEDULE_STOP_MARGIN_MS must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got "-1"`,
      'SCHEDULE_CHUNK_BYTES must be an integer from 1024 to 268435456, got "10"',
      'SCHEDULE_MAX_LINE_BYTES must be an integer from 16 to 67108864, got "1.5"',
    ]);
  });

  it.each([
    ['sqs://queue', 'SCHEDULE_SOURCE must be input or s3://<bucket>/<prefix>, got "sqs://queue"'],
    ['s3://', 'SCHEDULE_SOURCE "s3://" does not name a valid S3 bucket (3-63 of a-z 0-9 . -)'],
    ['s3://a..b/', 'SCHEDULE_SOURCE "s3://a..b/" does not name a valid S3 bucket (3-63 of a-z 0-9 . -)'],
  ])('rejects SCHEDULE_SOURCE=%s', (source, problem) => {
    expect(readScheduleConfig({ SCHEDULE_SOURCE: source, KAFKA_TOPIC: 't' }).problems).toEqual([problem]);
  });

  it('needs KAFKA_TOPIC for an S3 source, whose lines name no topic', () => {
    expect(readScheduleConfig({ SCHEDULE_SOURCE: 's3://bucket-a/in/' }).problems).toEqual([
      'SCHEDULE_SOURCE=s3://... needs KAFKA_TOPIC: NDJSON lines are written to it',
    ]);
  });

  it.each([
    ['json:', []],
    ['json:/a~1b/0', ['a/b', '0']],
  ])('parses SCHEDULE_KEY=%s as an RFC 6901 pointer', (key, tokens) => {
    const { config, problems } = readScheduleConfig({ SCHEDULE_KEY: key });
    expect(problems).toEqual([]);
    expect(config.keyPointer?.tokens).toEqual(tokens);
  });
});
