import * as api from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import {
  BrokerError,
  type InstrumentedMessage,
  UnknownTopicError,
  WriteErrors,
  type WriteStart,
} from '../../../lib/index.ts';
import { openTelemetryInstrumentation } from '../../../lib/tracing/opentelemetry.ts';
import { spansNamed, traceparentOf, useInMemoryTracing } from '../../support/otel.ts';

const exporter = useInMemoryTracing();
// Keys recorded: these tests find each message's span by its key.
const instrumentation = openTelemetryInstrumentation(api, { recordMessageKeys: true });

const SENDER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const message = (
  topic: string,
  key: string | null,
  headers?: Record<string, string>,
): InstrumentedMessage => ({
  topic,
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from('v'),
  headers: headers && Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
});

const start = (messages: InstrumentedMessage[], async = false): WriteStart => ({
  async,
  clientId: 'bridge-test',
  brokers: ['broker-1.example:9092', 'broker-2.example:9092'],
  messages,
});

describe('openTelemetryInstrumentation, by default', () => {
  it('records no message key (keys can be personal data)', () => {
    const observer = openTelemetryInstrumentation(api).startWrite(
      start([message('orders', 'someone@example.com'), message('orders', 'other@example.com')]),
    );
    observer?.writeReturned(undefined);
    const spans = [...spansNamed(exporter, 'send orders'), ...spansNamed(exporter, 'create orders')];
    expect(spans.length).toBe(3);
    for (const span of spans) expect(span.attributes['messaging.kafka.message.key']).toBeUndefined();
  });
});

describe('openTelemetryInstrumentation', () => {
  it('records a one-message write as one `send <topic>` PRODUCER span with the conventions’ attributes', () => {
    const observer = instrumentation.startWrite(start([message('orders', 'order-7')]));
    observer?.batchSettled({
      topic: 'orders',
      partition: 2,
      indices: [0],
      offsets: ['41'],
      error: undefined,
      requestMessageCount: 1,
    });
    observer?.writeReturned(undefined);

    const [send, ...others] = exporter.getFinishedSpans();
    expect(others).toEqual([]);
    expect(send?.name).toBe('send orders');
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.status.code).toBe(SpanStatusCode.UNSET);
    expect(send?.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.client.id': 'bridge-test',
      'messaging.destination.name': 'orders',
      'messaging.destination.partition.id': '2',
      'messaging.kafka.offset': 41,
      'messaging.kafka.message.key': 'order-7',
      'server.address': 'broker-1.example',
      'server.port': 9092,
    });
    // The send span is the message's creation context, so it goes into the headers.
    expect(observer?.headers).toEqual([{ traceparent: traceparentOf(send as never) }]);
  });

  it('links a one-message write to the sender’s traceparent and leaves the header alone', () => {
    const observer = instrumentation.startWrite(start([message('orders', null, { TraceParent: SENDER })]));
    observer?.writeReturned(undefined);

    const [send] = spansNamed(exporter, 'send orders');
    expect(send?.links.map((l) => l.context.spanId)).toEqual(['b7ad6b7169203331']);
    expect(send?.links[0]?.context.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(send?.attributes['messaging.kafka.message.key']).toBeUndefined();
    expect(observer?.headers).toEqual([undefined]);
  });

  it('gives each message of a batch a `create` span, linked from a CLIENT send span that counts them', () => {
    const messages = [
      message('orders', 'a'),
      message('orders', 'b', { traceparent: SENDER }),
      message('orders', 'c'),
    ];
    const observer = instrumentation.startWrite(start(messages));
    observer?.batchSettled({
      topic: 'orders',
      partition: 0,
      indices: [0, 1, 2],
      offsets: ['10', '11', '12'],
      error: undefined,
      requestMessageCount: 3,
    });
    observer?.writeReturned(undefined);

    const [send] = spansNamed(exporter, 'send orders');
    const creates = spansNamed(exporter, 'create orders');
    expect(send?.kind).toBe(SpanKind.CLIENT);
    expect(send?.attributes).toMatchObject({
      'messaging.batch.message_count': 3,
      'messaging.destination.partition.id': '0',
      'messaging.kafka.offset': 10,
    });
    expect(send?.attributes['messaging.kafka.message.key']).toBeUndefined();
    expect(creates.map((c) => c.kind)).toEqual([SpanKind.PRODUCER, SpanKind.PRODUCER, SpanKind.PRODUCER]);
    expect(creates.map((c) => c.attributes['messaging.kafka.message.key'])).toEqual(['a', 'b', 'c']);
    expect(creates.map((c) => c.attributes['messaging.kafka.offset'])).toEqual([10, 11, 12]);
    expect(creates.map((c) => c.attributes['messaging.operation.type'])).toEqual([
      'create',
      'create',
      'create',
    ]);
    expect(send?.links.map((l) => l.context.spanId)).toEqual(creates.map((c) => c.spanContext().spanId));
    // The sender's context parents its message's create span; the others hang off the active one.
    const senderChild = creates.find((c) => c.attributes['messaging.kafka.message.key'] === 'b');
    expect(senderChild?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(senderChild?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(observer?.headers).toEqual([
      { traceparent: traceparentOf(creates[0] as never) },
      undefined,
      { traceparent: traceparentOf(creates[2] as never) },
    ]);
  });

  it('makes the send span a child of the active span', () => {
    const parent = api.trace.getTracer('test').startSpan('invocation');
    const observer = api.context.with(api.trace.setSpan(api.context.active(), parent), () =>
      instrumentation.startWrite(start([message('orders', 'k')])),
    );
    observer?.writeReturned(undefined);
    parent.end();

    const [send] = spansNamed(exporter, 'send orders');
    expect(send?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });

  it('names a write to several topics `send` and leaves out what differs between messages', () => {
    const observer = instrumentation.startWrite(start([message('a', 'x'), message('b', 'y')]));
    for (const [index, partition] of [
      [0, 0],
      [1, 1],
    ] as const) {
      observer?.batchSettled({
        topic: index === 0 ? 'a' : 'b',
        partition,
        indices: [index],
        offsets: ['5'],
        error: undefined,
        requestMessageCount: 1,
      });
    }
    observer?.writeReturned(undefined);

    const [send] = spansNamed(exporter, 'send');
    expect(send?.attributes['messaging.destination.name']).toBeUndefined();
    expect(send?.attributes['messaging.destination.partition.id']).toBeUndefined();
    expect(send?.attributes['messaging.kafka.offset']).toBeUndefined();
    expect(spansNamed(exporter, 'create a')).toHaveLength(1);
    expect(spansNamed(exporter, 'create b')).toHaveLength(1);
  });

  it('marks a failed write ERROR with the broker’s code and whether the messages may have landed', () => {
    const failure = new BrokerError('timed out', 'REQUEST_TIMED_OUT', 10, {
      retriable: true,
      mayBeDelivered: true,
    });
    const observer = instrumentation.startWrite(start([message('orders', 'a'), message('orders', 'b')]));
    observer?.batchSettled({
      topic: 'orders',
      partition: 1,
      indices: [0, 1],
      offsets: undefined,
      error: failure,
      requestMessageCount: 2,
    });
    observer?.writeReturned(new WriteErrors([failure, failure]));

    const [send] = spansNamed(exporter, 'send orders');
    expect(send?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: expect.stringContaining('timed out'),
    });
    expect(send?.attributes['error.type']).toBe('REQUEST_TIMED_OUT');
    expect(send?.attributes['kafka_lambda_bridge.may_be_delivered']).toBe(true);
    const creates = spansNamed(exporter, 'create orders');
    expect(creates.map((c) => c.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR]);
    expect(creates.map((c) => c.attributes['messaging.kafka.offset'])).toEqual([undefined, undefined]);
  });

  it('ends the spans of a call refused before sending with the error’s class as error.type', () => {
    const observer = instrumentation.startWrite(start([message('missing', 'a'), message('missing', 'b')]));
    observer?.writeReturned(new UnknownTopicError('missing'));

    const [send] = spansNamed(exporter, 'send missing');
    expect(send?.attributes['error.type']).toBe('UnknownTopicError');
    expect(send?.attributes['kafka_lambda_bridge.may_be_delivered']).toBeUndefined();
    expect(spansNamed(exporter, 'create missing').map((c) => c.attributes['error.type'])).toEqual([
      'UnknownTopicError',
      'UnknownTopicError',
    ]);
  });

  it('in async mode ends the send span when the last batch settles, not when the call returns', () => {
    const observer = instrumentation.startWrite(
      start([message('orders', 'a'), message('orders', 'b')], true),
    );
    const settle = (index: number) =>
      observer?.batchSettled({
        topic: 'orders',
        partition: 0,
        indices: [index],
        offsets: [String(index)],
        error: undefined,
        requestMessageCount: 1,
      });
    observer?.writeReturned(undefined);
    settle(0);
    expect(spansNamed(exporter, 'send orders')).toEqual([]);
    settle(1);
    expect(spansNamed(exporter, 'send orders')).toHaveLength(1);
  });

  it('records nothing and adds no header when the span is not sampled', () => {
    const unsampled = openTelemetryInstrumentation(api, {
      tracerProvider: new BasicTracerProvider({ sampler: new AlwaysOffSampler() }),
    });
    expect(unsampled.startWrite(start([message('orders', 'a')]))).toBeUndefined();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('injects no header when asked not to', () => {
    const observer = openTelemetryInstrumentation(api, { injectTraceparent: false }).startWrite(
      start([message('orders', 'a')]),
    );
    expect(observer?.headers).toBeUndefined();
  });

  it('gives no key attribute for a key that is not UTF-8 text, and marks a tombstone', () => {
    const observer = instrumentation.startWrite(
      start([{ topic: 'orders', key: Buffer.from([0xff, 0xfe]), value: null, headers: undefined }]),
    );
    observer?.writeReturned(undefined);

    const [send] = spansNamed(exporter, 'send orders');
    expect(send?.attributes['messaging.kafka.message.key']).toBeUndefined();
    expect(send?.attributes['messaging.kafka.message.tombstone']).toBe(true);
  });
});
