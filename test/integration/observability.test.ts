import { afterEach, beforeEach, describe, expect, inject, it, onTestFinished, vi } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { clearContainerWarmWriter } from '../../lib/lambda/container.ts';
import { createObservability, writerLoggerFrom } from '../../lib/lambda/observability.ts';
import { createSqsHandler } from '../../lib/lambda/sqs/handler.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { createTopic } from '../support/topics.ts';

const brokers = inject('kafkaBrokers');

describe('Observability of a handler', () => {
  let lines: string[] = [];
  beforeEach(() => {
    lines = [];
    const capture = (chunk: unknown) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    };
    // Powertools writes errors to stderr and everything else to stdout, one JSON object a line.
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('logs structured JSON with the request id, emits EMF metrics, and carries the SQS message id into Kafka', async () => {
    const topic = await createTopic(brokers, { partitions: 1, config: { 'max.message.bytes': '4000' } });
    const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic };
    const observability = createObservability('observability-test');
    const warmWriter = new WarmWriter({
      config: readKafkaConfig(env).config,
      logger: writerLoggerFrom(observability.logger),
    });
    const handler = createSqsHandler({ env, warmWriter, observability });
    const context = lambdaContext();

    await handler(
      sqsEvent([sqsRecord('fine', { id: 'ok-1' }), sqsRecord('x'.repeat(10_000), { id: 'too-big' })]),
      context,
    );
    await warmWriter.close();
    vi.restoreAllMocks();

    const json = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const failure = json.find((entry) => entry.message === 'writing to Kafka failed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      service: 'observability-test',
      function_request_id: context.awsRequestId,
      firstMessageId: 'too-big',
      failedRecords: 1,
    });
    const emf = json.find((entry) => entry._aws !== undefined) as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> };
    };
    expect(emf._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name).sort()).toEqual([
      'MessagesFailed',
      'MessagesWritten',
      'WriteLatency',
    ]);
    expect(emf).toMatchObject({ MessagesWritten: 1, MessagesFailed: 1 });
    const [record] = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(record?.headers['sqs-message-id']?.toString()).toBe('ok-1');
  });

  it('logs one WARN per retried attempt and one ERROR when a call to a down broker gives up', async () => {
    const env = {
      KAFKA_BROKERS: '127.0.0.1:1',
      KAFKA_TOPIC: 'broker-down',
      KAFKA_MAX_ATTEMPTS: '3',
    };
    const observability = createObservability('observability-test');
    // The container's Writer, as a deployed function builds it, with the handler's logger.
    const handler = createSqsHandler({ env, observability });
    onTestFinished(() => clearContainerWarmWriter());

    const result = await handler(
      sqsEvent([sqsRecord('a', { id: 'down-1' }), sqsRecord('b')]),
      lambdaContext(),
    );
    await clearContainerWarmWriter();
    vi.restoreAllMocks();

    expect(result?.batchItemFailures).toHaveLength(2);
    const json = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const warnings = json.filter((entry) => entry.level === 'WARN');
    const errors = json.filter((entry) => entry.level === 'ERROR');
    expect(json.filter((entry) => String(entry.message).includes('reserved key'))).toEqual([]);
    expect(warnings).toHaveLength(2);
    warnings.forEach((warning, i) => {
      expect(warning).toMatchObject({
        message: 'kafka write failed, retrying',
        attempt: i + 1,
        delayMs: expect.any(Number),
        broker: '127.0.0.1:1',
        code: expect.any(String),
      });
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: 'writing to Kafka failed', failedRecords: 2 });
    // Nothing else at INFO or above: kafkajs' own lines about the same failures are DEBUG.
    expect(json.filter((entry) => ['INFO', 'WARN', 'ERROR'].includes(String(entry.level)))).toHaveLength(3);
  });
});
