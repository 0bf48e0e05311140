import * as api from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { createWebhookHandler } from '../../lib/lambda/webhook/handler.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { spansNamed, traceparentOf, useInMemoryTracing } from '../support/otel.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { sqsHandlerOn } from '../support/sqs-handler.ts';
import { createTopic } from '../support/topics.ts';
import { apiEvent, quietObservability } from '../unit/webhook/support.ts';

const brokers = inject('kafkaBrokers');
// Registered as the ADOT layer registers it: the handlers find it through @opentelemetry/api.
const exporter = useInMemoryTracing();
afterEach(() => vi.unstubAllEnvs());

// The X-Ray developer guide's example header, and the same context as W3C writes it.
const XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

describe('Lambda handlers with OpenTelemetry (KAFKA_TRACING=auto, the default)', () => {
  it('SQS: one send span per batch under the invocation’s span, one create span per record', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const { handler, warmWriter } = sqsHandlerOn(brokers, topic);
    const traced = sqsRecord('traced', { id: 'traced' });
    traced.attributes.AWSTraceHeader = XRAY;
    const records = [sqsRecord('a', { id: 'a' }), traced, sqsRecord('b', { id: 'b' })];
    // What ADOT's Lambda instrumentation makes active around the handler.
    const invocation = api.trace.getTracer('lambda').startSpan('invocation', { kind: SpanKind.SERVER });

    const response = await api.context.with(api.trace.setSpan(api.context.active(), invocation), () =>
      handler(sqsEvent(records), lambdaContext() as never),
    );
    invocation.end();
    await warmWriter.close();

    expect(response.batchItemFailures).toEqual([]);
    const [send, ...more] = spansNamed(exporter, `send ${topic}`);
    expect(more).toEqual([]);
    expect(send?.parentSpanContext?.spanId).toBe(invocation.spanContext().spanId);
    expect(send?.attributes['messaging.batch.message_count']).toBe(3);
    const creates = spansNamed(exporter, `create ${topic}`);
    expect(creates).toHaveLength(3);
    // The record's own trace (its X-Ray header) parents its create span and stays in its headers.
    const fromXray = creates.filter((c) => c.spanContext().traceId === '5759e988bd862e3fe1be46a994272793');
    expect(fromXray.map((c) => c.parentSpanContext?.spanId)).toEqual(['53995c3f42cd8ad8']);
    const kafka = await consumeWithKcat(brokers, topic, { count: 3 });
    const headers = kafka.map((r) => r.headers.traceparent?.toString()).sort();
    const expected = creates
      .filter((c) => !fromXray.includes(c))
      .map((c) => traceparentOf(c))
      .concat('00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01')
      .sort();
    expect(headers).toEqual(expected);
  });

  it('webhook: one PRODUCER send span whose partition and offset are the ones the response names', async () => {
    const topic = await createTopic(brokers, { partitions: 2 });
    const env = { KAFKA_BROKERS: brokers.join(','), WEBHOOK_TOPICS: topic };
    const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    const handle = createWebhookHandler({ env, warmWriter, observability: quietObservability() });

    const response = await handle(
      apiEvent({ topic, body: '{"n":1}', headers: { 'content-type': 'application/json' } }),
      lambdaContext(),
    );
    await warmWriter.close();

    expect(response.statusCode).toBe(200);
    const [record] = JSON.parse(response.body as string).records;
    const [send] = spansNamed(exporter, `send ${topic}`);
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.attributes['messaging.destination.partition.id']).toBe(String(record.partition));
    expect(send?.attributes['messaging.kafka.offset']).toBe(Number(record.offset));
  });

  it('records nothing with KAFKA_TRACING=off', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const { handler, warmWriter } = sqsHandlerOn(brokers, topic, { KAFKA_TRACING: 'off' });

    const response = await handler(sqsEvent([sqsRecord('a', { id: 'a' })]), lambdaContext() as never);
    await warmWriter.close();

    expect(response.batchItemFailures).toEqual([]);
    expect(exporter.getFinishedSpans()).toEqual([]);
    const [record] = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(record?.headers.traceparent).toBeUndefined();
  });
});
