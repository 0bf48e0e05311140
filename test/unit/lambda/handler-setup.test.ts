import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/config/errors.ts';
import { readKafkaConfig } from '../../../lib/config/kafka-config.ts';
import { readSqsConfig } from '../../../lib/config/sqs-config.ts';
import { clearContainerWarmWriter, containerWarmWriter } from '../../../lib/lambda/container.ts';
import { setUpHandler } from '../../../lib/lambda/handler-setup.ts';
import { WarmWriter } from '../../../lib/lambda/warm-writer.ts';
import { quietObservability } from '../webhook/support.ts';

function problemsOf(call: () => unknown): string[] {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('setUpHandler', () => {
  afterEach(() => clearContainerWarmWriter());

  it("throws one ConfigError with KAFKA_* problems first, then the trigger's", () => {
    const problems = problemsOf(() =>
      setUpHandler({ env: { KAFKA_BROKERS: 'nope', SQS_KEY: 'bogus' } }, 'sqs-bridge', readSqsConfig),
    );
    expect(problems[0]).toBe('KAFKA_BROKERS entry "nope" is not host:port');
    expect(problems.slice(1)).toEqual(readSqsConfig({ SQS_KEY: 'bogus' }).problems);
    expect(problems.length).toBeGreaterThan(2);
  });

  it('does not require KAFKA_* when the caller brings its own warm Writer', () => {
    const warmWriter = new WarmWriter({ config: readKafkaConfig({ KAFKA_BROKERS: '127.0.0.1:9' }).config });
    const setup = setUpHandler(
      { env: { KAFKA_TOPIC: 'orders' }, warmWriter, observability: quietObservability() },
      'sqs-bridge',
      readSqsConfig,
    );
    expect(setup.warmWriter).toBe(warmWriter);
    expect(setup.trigger.topic).toBe('orders');
    // Still read, with its defaults, for settings the trigger sizes itself by.
    expect(setup.kafka.batchBytes).toBe(readKafkaConfig({}).config.batchBytes);
  });

  it("otherwise uses the container's warm Writer, built from KAFKA_*", () => {
    const env = { KAFKA_BROKERS: '127.0.0.1:9', KAFKA_TOPIC: 'orders' };
    const setup = setUpHandler({ env, observability: quietObservability() }, 'sqs-bridge', readSqsConfig);
    expect(setup.warmWriter).toBe(containerWarmWriter(env));
    expect(setup.logger).toBe(setup.observability.logger);
  });
});
