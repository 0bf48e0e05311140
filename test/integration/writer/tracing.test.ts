import * as api from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, inject, it } from 'vitest';
import { UnknownTopicError, WriteErrors, Writer } from '../../../lib/index.ts';
import { openTelemetryInstrumentation } from '../../../lib/tracing/opentelemetry.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { spansNamed, traceparentOf, useInMemoryTracing } from '../../support/otel.ts';
import { createTopic, uniqueTopic } from '../../support/topics.ts';

const brokers = inject('kafkaBrokers');
const exporter = useInMemoryTracing();
// Keys recorded: these tests find each message's span by its key.
const instrumentation = openTelemetryInstrumentation(api, { recordMessageKeys: true });

const SENDER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('Writer with OpenTelemetry spans, on a real broker', () => {
  it('records a sync write of many messages as one send span whose partition and offset kcat reads back', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    // Something already on the partition, so the call's base offset is not 0.
    const untraced = new Writer({ brokers, topic });
    await untraced.writeMessages([{ value: 'before' }]);
    await untraced.close();
    const w = new Writer({ brokers, topic, instrumentation });

    const written = await w.writeMessages([
      { key: 'k0', value: 'v0' },
      { key: 'k1', value: 'v1', headers: { traceparent: SENDER } },
      { key: 'k2', value: 'v2' },
      { key: 'k3', value: 'v3' },
    ]);
    await w.close();

    const sends = spansNamed(exporter, `send ${topic}`);
    expect(sends).toHaveLength(1);
    const [send] = sends;
    const records = await consumeWithKcat(brokers, topic, { count: 5 });
    const first = records.find((r) => r.value?.toString() === 'v0');
    expect(send?.kind).toBe(SpanKind.CLIENT);
    expect(send?.status.code).toBe(SpanStatusCode.UNSET);
    expect(send?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topic,
      'messaging.destination.partition.id': String(first?.partition),
      'messaging.kafka.offset': first?.offset,
      'messaging.batch.message_count': 4,
    });
    expect(written[0]?.offset).toBe(String(first?.offset));

    const creates = spansNamed(exporter, `create ${topic}`);
    expect(creates).toHaveLength(4);
    expect(send?.links.map((l) => l.context.spanId).sort()).toEqual(
      creates.map((c) => c.spanContext().spanId).sort(),
    );
    // Each message landed where its create span says, carrying its create span's context,
    // except the one whose sender's traceparent is kept.
    for (const create of creates) {
      const key = create.attributes['messaging.kafka.message.key'];
      const record = records.find((r) => r.key?.toString() === key);
      expect(create.attributes['messaging.kafka.offset'], String(key)).toBe(record?.offset);
      expect(record?.headers.traceparent?.toString(), String(key)).toBe(
        key === 'k1' ? SENDER : traceparentOf(create),
      );
    }
  });

  it('records an unknown topic as an ERROR span with error.type, and writes nothing', async () => {
    const topic = uniqueTopic('traced-missing');
    const w = new Writer({ brokers, topic, instrumentation, maxAttempts: 2 });

    await expect(w.writeMessages([{ value: 'lost' }])).rejects.toBeInstanceOf(UnknownTopicError);
    await w.close();

    const [send] = spansNamed(exporter, `send ${topic}`);
    expect(send?.status.code).toBe(SpanStatusCode.ERROR);
    expect(send?.attributes['error.type']).toBe('UnknownTopicError');
  });

  it('records a message the broker refuses as too large with its code, and says it was not delivered', async () => {
    const topic = await createTopic(brokers, { partitions: 1, config: { 'max.message.bytes': '2000' } });
    const w = new Writer({ brokers, topic, instrumentation });

    const failure = await w
      .writeMessages([{ key: 'big', value: 'x'.repeat(10_000) }])
      .catch((e: unknown) => e);
    await w.close();

    expect(failure).toBeInstanceOf(WriteErrors);
    const [send] = spansNamed(exporter, `send ${topic}`);
    expect(send?.status.code).toBe(SpanStatusCode.ERROR);
    expect(send?.attributes['error.type']).toMatch(/^(MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE)$/);
    expect(send?.attributes['kafka_lambda_bridge.may_be_delivered']).toBe(false);
    expect(send?.attributes['messaging.kafka.offset']).toBeUndefined();
  });

  it('in async mode ends the send span once its buffered messages are acknowledged', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    // A long linger keeps the batch in the buffer until flush(), whatever the machine's speed.
    const w = new Writer({ brokers, topic, instrumentation, async: true, batchTimeoutMs: 600_000 });

    await w.writeMessages([{ key: 'a', value: '1' }]);
    expect(spansNamed(exporter, `send ${topic}`)).toEqual([]);
    await w.flush();
    await w.close();

    const [send] = spansNamed(exporter, `send ${topic}`);
    const [record] = await consumeWithKcat(brokers, topic, { count: 1 });
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.attributes['messaging.kafka.offset']).toBe(record?.offset);
    expect(record?.headers.traceparent?.toString()).toBe(traceparentOf(send as never));
  });

  it('in async mode ends the span of a message abandoned at close with the error', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const w = new Writer({ brokers, topic, instrumentation, async: true, batchTimeoutMs: 600_000 });
    await w.writeMessages([{ value: 'pending' }]);

    // An already-aborted close gives up on what is buffered at once: the batch is either still
    // waiting (closed) or already sent by the close's flush (aborted in flight).
    await expect(w.close({ signal: AbortSignal.abort() })).rejects.toThrow();

    const [send] = spansNamed(exporter, `send ${topic}`);
    expect(send?.status.code).toBe(SpanStatusCode.ERROR);
    expect(send?.attributes['error.type']).toMatch(/^(WriterClosedError|WriteAbortedError)$/);
  });
});
