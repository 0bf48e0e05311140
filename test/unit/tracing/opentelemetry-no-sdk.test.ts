import * as api from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InstrumentedMessage, WriteStart } from '../../../lib/index.ts';
import { openTelemetryInstrumentation } from '../../../lib/tracing/opentelemetry.ts';

// No SDK is registered in this file (test/support/otel.ts registers one per file elsewhere), as in
// a Lambda function with @opentelemetry/api on its path but no ADOT layer.

const messages = (count: number): InstrumentedMessage[] =>
  Array.from({ length: count }, (_, i) => ({
    topic: 'orders',
    key: Buffer.from(`k${i}`),
    value: Buffer.from('v'),
    headers: undefined,
  }));

const start = (count: number): WriteStart => ({
  async: false,
  clientId: 'bridge-test',
  brokers: ['broker-1.example:9092'],
  messages: messages(count),
});

const exporterOf = () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, provider };
};

afterEach(() => {
  vi.restoreAllMocks();
  api.trace.disable();
});

describe('openTelemetryInstrumentation without an SDK', () => {
  it('observes nothing and asks for no tracer while only the no-op provider is registered', () => {
    const getTracer = vi.spyOn(api.trace, 'getTracer');
    const observer = openTelemetryInstrumentation(api).startWrite(start(100));
    expect(observer).toBeUndefined();
    expect(getTracer).not.toHaveBeenCalled();
  });

  it('records the next write once an SDK is registered after the instrumentation was built', () => {
    const instrumentation = openTelemetryInstrumentation(api);
    expect(instrumentation.startWrite(start(2))).toBeUndefined();
    const { exporter, provider } = exporterOf();
    api.trace.setGlobalTracerProvider(provider);
    const observer = instrumentation.startWrite(start(2));
    expect(observer).toBeDefined();
    observer?.writeReturned(undefined);
    expect(
      exporter
        .getFinishedSpans()
        .map((span) => span.name)
        .sort(),
    ).toEqual(['create orders', 'create orders', 'send orders']);
  });

  it('records through a tracerProvider given in the options, whatever the global one is', () => {
    const { exporter, provider } = exporterOf();
    const observer = openTelemetryInstrumentation(api, { tracerProvider: provider }).startWrite(start(1));
    observer?.writeReturned(undefined);
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['send orders']);
  });
});
