import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { clearContainerWarmWriter } from '../../lib/lambda/container.ts';
import { createEventBridgeHandler } from '../../lib/lambda/eventbridge/handler.ts';
import { createScheduledHandler } from '../../lib/lambda/scheduled/handler.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { createWebhookHandler } from '../../lib/lambda/webhook/handler.ts';
import { consumeWithKcat, type KcatRecord } from '../support/kcat.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { sqsHandlerOn } from '../support/sqs-handler.ts';
import { createTopic } from '../support/topics.ts';
import { apiEvent, quietObservability } from '../unit/webhook/support.ts';

const brokers = inject('kafkaBrokers');
afterEach(() => {
  vi.unstubAllEnvs();
  clearContainerWarmWriter();
});

// The X-Ray developer guide's example header and the W3C spec's example traceparent.
const XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const XRAY_AS_W3C = '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01';
const W3C = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const INVOCATION_XRAY = 'Root=1-6a1b2c3d-0123456789abcdef01234567;Parent=1122334455667788;Sampled=0';
const INVOCATION_AS_W3C = '00-6a1b2c3d0123456789abcdef01234567-1122334455667788-00';

const header = (record: KcatRecord | undefined, name: string) => record?.headers[name]?.toString();

describe('trace context into Kafka headers (read back with kcat)', () => {
  it("SQS: each record's AWSTraceHeader, else the invocation's; a sender's own traceparent stays", async () => {
    const topic = await createTopic(brokers);
    const { handler, warmWriter } = sqsHandlerOn(brokers, topic);
    vi.stubEnv('_X_AMZN_TRACE_ID', INVOCATION_XRAY);
    const traced = sqsRecord('traced', { id: 'traced' });
    traced.attributes.AWSTraceHeader = XRAY;
    const untraced = sqsRecord('untraced', { id: 'untraced' });
    const own = sqsRecord('own', {
      id: 'own',
      attributes: { traceparent: { dataType: 'String', stringValue: W3C } },
    });
    own.attributes.AWSTraceHeader = XRAY;

    const response = await handler(sqsEvent([traced, untraced, own]), lambdaContext() as never);
    await warmWriter.close();

    expect(response.batchItemFailures).toEqual([]);
    const byBody = new Map(
      (await consumeWithKcat(brokers, topic, { count: 3 })).map((r) => [r.value?.toString(), r]),
    );
    expect(header(byBody.get('traced'), 'traceparent')).toBe(XRAY_AS_W3C);
    expect(header(byBody.get('untraced'), 'traceparent')).toBe(INVOCATION_AS_W3C);
    expect(header(byBody.get('own'), 'traceparent')).toBe(W3C);
  });

  it("webhook: the sender's traceparent and tracestate, else the invocation's", async () => {
    const topic = await createTopic(brokers);
    const env = { KAFKA_BROKERS: brokers.join(','), WEBHOOK_TOPICS: topic };
    const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    const handle = createWebhookHandler({ env, warmWriter, observability: quietObservability() });
    vi.stubEnv('_X_AMZN_TRACE_ID', INVOCATION_XRAY);

    const withW3c = await handle(
      apiEvent({
        topic,
        body: '{"n":1}',
        headers: {
          'content-type': 'application/json',
          traceparent: W3C,
          tracestate: 'congo=t61rcWkgMzE',
          // API Gateway's own header has no Parent: it cannot stand for a span.
          'x-amzn-trace-id': 'Root=1-5e6722a7-cc56a5f2b1e0c1d7a3f4e5d6',
        },
      }),
      lambdaContext(),
    );
    const without = await handle(
      apiEvent({ topic, body: '{"n":2}', headers: { 'content-type': 'application/json' } }),
      lambdaContext(),
    );
    await warmWriter.close();

    expect([withW3c.statusCode, without.statusCode]).toEqual([200, 200]);
    const byBody = new Map(
      (await consumeWithKcat(brokers, topic, { count: 2 })).map((r) => [r.value?.toString(), r]),
    );
    expect(header(byBody.get('{"n":1}'), 'traceparent')).toBe(W3C);
    expect(header(byBody.get('{"n":1}'), 'tracestate')).toBe('congo=t61rcWkgMzE');
    expect(header(byBody.get('{"n":2}'), 'traceparent')).toBe(INVOCATION_AS_W3C);
    expect(header(byBody.get('{"n":2}'), 'tracestate')).toBeUndefined();
  });

  it("EventBridge: the trace EventBridge hands over as the invocation's", async () => {
    const topic = await createTopic(brokers);
    const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic };
    const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    const handler = createEventBridgeHandler({ env, warmWriter });
    const event = JSON.parse(
      readFileSync(new URL('../fixtures/eventbridge/custom-order-created.json', import.meta.url), 'utf8'),
    );
    vi.stubEnv('_X_AMZN_TRACE_ID', XRAY);

    await handler(event, lambdaContext() as never);
    await warmWriter.close();

    const [record] = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(header(record, 'traceparent')).toBe(XRAY_AS_W3C);
  });

  it("scheduled: the invocation's trace on each message, a message's own header kept", async () => {
    const topic = await createTopic(brokers);
    const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic, SCHEDULE_SOURCE: 'input' };
    const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
    const handler = createScheduledHandler({ env, warmWriter });
    vi.stubEnv('_X_AMZN_TRACE_ID', XRAY);
    const input = {
      messages: [
        { key: 'plain', value: 'plain' },
        { key: 'own', value: 'own', headers: { traceparent: W3C } },
      ],
    };

    const summary = await handler(input, lambdaContext() as never);
    await warmWriter.close();

    expect(summary.published).toBe(2);
    const byKey = new Map(
      (await consumeWithKcat(brokers, topic, { count: 2 })).map((r) => [r.key?.toString(), r]),
    );
    expect(header(byKey.get('plain'), 'traceparent')).toBe(XRAY_AS_W3C);
    expect(header(byKey.get('own'), 'traceparent')).toBe(W3C);
  });
});
