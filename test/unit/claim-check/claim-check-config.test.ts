import { describe, expect, it } from 'vitest';
import { DEFAULT_CLAIM_CHECK_THRESHOLD_BYTES } from '../../../lib/config/claim-check-config.ts';
import { ConfigError } from '../../../lib/config/errors.ts';
import { readKafkaConfig } from '../../../lib/config/kafka-config.ts';
import { readWebhookConfig } from '../../../lib/config/webhook-config.ts';
import { createSqsHandler } from '../../../lib/lambda/sqs/handler.ts';

const BROKERS = { KAFKA_BROKERS: '127.0.0.1:9092' };

describe('KAFKA_CLAIM_CHECK_*', () => {
  it('is off without a bucket', () => {
    const { config, problems } = readKafkaConfig(BROKERS);
    expect(problems).toEqual([]);
    expect(config.claimCheck).toBeUndefined();
  });

  it('defaults the threshold below the broker default of 1 MB and normalises the prefix', () => {
    const { config, problems } = readKafkaConfig({
      ...BROKERS,
      KAFKA_CLAIM_CHECK_BUCKET: 'my-claims',
      KAFKA_CLAIM_CHECK_PREFIX: '/large/payloads',
    });
    expect(problems).toEqual([]);
    expect(config.claimCheck).toEqual({
      bucket: 'my-claims',
      prefix: 'large/payloads/',
      thresholdBytes: DEFAULT_CLAIM_CHECK_THRESHOLD_BYTES,
    });
    expect(DEFAULT_CLAIM_CHECK_THRESHOLD_BYTES).toBeLessThan(1_048_576);
  });

  it('reports every problem at once', () => {
    const { problems } = readKafkaConfig({
      ...BROKERS,
      KAFKA_CLAIM_CHECK_BUCKET: 'Not_A_Bucket',
      KAFKA_CLAIM_CHECK_PREFIX: 'p'.repeat(600),
      KAFKA_CLAIM_CHECK_THRESHOLD_BYTES: '0',
    });
    expect(problems).toEqual([
      'KAFKA_CLAIM_CHECK_THRESHOLD_BYTES must be an integer from 1 to 9007199254740991, got "0"',
      'KAFKA_CLAIM_CHECK_BUCKET "Not_A_Bucket" is not a valid S3 bucket name',
      'KAFKA_CLAIM_CHECK_PREFIX must be at most 512 bytes',
    ]);
  });

  it('refuses a threshold a value could not be written under (not below KAFKA_BATCH_BYTES)', () => {
    const { problems } = readKafkaConfig({
      ...BROKERS,
      KAFKA_CLAIM_CHECK_BUCKET: 'claims',
      KAFKA_BATCH_BYTES: '500000',
    });
    expect(problems).toEqual([
      'KAFKA_CLAIM_CHECK_THRESHOLD_BYTES (1000000) must be below KAFKA_BATCH_BYTES (500000), which must also hold the key and headers',
    ]);
  });

  it('refuses a prefix or threshold without a bucket', () => {
    const { problems } = readKafkaConfig({
      ...BROKERS,
      KAFKA_CLAIM_CHECK_PREFIX: 'p/',
      KAFKA_CLAIM_CHECK_THRESHOLD_BYTES: '1000',
    });
    expect(problems).toEqual([
      'KAFKA_CLAIM_CHECK_PREFIX needs KAFKA_CLAIM_CHECK_BUCKET',
      'KAFKA_CLAIM_CHECK_THRESHOLD_BYTES needs KAFKA_CLAIM_CHECK_BUCKET',
    ]);
  });
});

describe('WEBHOOK_MAX_BYTES with the claim check', () => {
  it("defaults to Lambda's 6 MB payload limit when a claim-check bucket is set, else to 1 MiB", () => {
    expect(readWebhookConfig({}).config.maxBytes).toBe(1_048_576);
    expect(readWebhookConfig({ KAFKA_CLAIM_CHECK_BUCKET: 'claims' }).config.maxBytes).toBe(6 * 1024 * 1024);
    expect(
      readWebhookConfig({ KAFKA_CLAIM_CHECK_BUCKET: 'claims', WEBHOOK_MAX_BYTES: '2048' }).config.maxBytes,
    ).toBe(2048);
  });
});

describe('a handler with a bad claim-check configuration', () => {
  it('fails its cold start with one ConfigError naming every problem', () => {
    const env = {
      ...BROKERS,
      KAFKA_TOPIC: 'orders',
      KAFKA_CLAIM_CHECK_BUCKET: 'Bad_Bucket',
      KAFKA_CLAIM_CHECK_THRESHOLD_BYTES: 'big',
    };
    const error = (() => {
      try {
        createSqsHandler({ env });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'KAFKA_CLAIM_CHECK_THRESHOLD_BYTES must be an integer from 1 to 9007199254740991, got "big"',
      'KAFKA_CLAIM_CHECK_BUCKET "Bad_Bucket" is not a valid S3 bucket name',
    ]);
  });
});
