import type * as OpenTelemetry from '@opentelemetry/api';
import type { Context, Link, Span, SpanContext, Tracer, TracerProvider } from '@opentelemetry/api';
import { TRACE_HEADERS, validTraceparent } from '../mapping/trace-context.ts';
import type {
  InstrumentedMessage,
  SettledBatch,
  WriteObserver,
  WriterInstrumentation,
  WriteStart,
} from '../writer/instrumentation.ts';
import {
  errorAttributes,
  MESSAGING,
  messageAttributes,
  operationAttributes,
  singleTopic,
  spanName,
} from './kafka-attributes.ts';

/**
 * The parts of `@opentelemetry/api` the adapter uses. Passed in rather than imported, so this
 * module loads without the package: the Lambda handlers import the API only when it resolves.
 */
export type OpenTelemetryApi = Pick<
  typeof OpenTelemetry,
  'context' | 'trace' | 'SpanKind' | 'SpanStatusCode'
>;

/** Options of openTelemetryInstrumentation. */
export interface OpenTelemetryInstrumentationOptions {
  /** @default the global tracer provider (`api.trace`), looked up at every write */
  tracerProvider?: TracerProvider;
  /**
   * Write the creation context (the `create` span, or the `send` span of a one-message call) into
   * a message's `traceparent` header when it has none. A message's own `traceparent` is never
   * replaced. @default true
   */
  injectTraceparent?: boolean;
  /**
   * Record each message's key as `messaging.kafka.message.key` (when it is UTF-8 text). Off by
   * default: keys often carry personal data (a customer id, an e-mail address) that should not
   * reach a tracing backend unasked. @default false
   */
  recordMessageKeys?: boolean;
}

/** The tracer's instrumentation scope name. */
export const TRACER_NAME = 'kafka-lambda-bridge';

/**
 * OpenTelemetry producer spans for a Writer, after the messaging semantic conventions for Kafka:
 * one `send <topic>` span per writeMessages call (kind PRODUCER; CLIENT when the call carries
 * several messages, which then get a `create <topic>` PRODUCER span each, linked from the send
 * span). The send span is a child of the active context; it ends when every message of the call is
 * acknowledged or failed (async mode: when its batches settle, not when writeMessages returns).
 * A message that already carries a `traceparent` (the sender's) is linked from its span (one
 * message) or parents its create span (several).
 *
 * @example
 * import * as api from '@opentelemetry/api';
 * const writer = new Writer({ brokers, topic: 'orders', instrumentation: openTelemetryInstrumentation(api) });
 */
export function openTelemetryInstrumentation(
  api: OpenTelemetryApi,
  options: OpenTelemetryInstrumentationOptions = {},
): WriterInstrumentation {
  const provider = options.tracerProvider ?? api.trace;
  const inject = options.injectTraceparent ?? true;
  const withKeys = options.recordMessageKeys ?? false;
  return {
    startWrite(start) {
      if (!options.tracerProvider && noSdkRegistered(api)) return undefined;
      const tracer = provider.getTracer(TRACER_NAME);
      return observeWrite(api, tracer, api.context.active(), start, inject, withKeys);
    },
  };
}

/** The no-op provider of each copy of the API (one per ProxyTracerProvider class). */
const noopProviders = new WeakMap<object, TracerProvider>();

/**
 * True while no SDK is registered with the global API: its tracers are no-op ones, whose spans
 * never record, so a write has nothing to observe or propagate. Checked per write (an SDK may be
 * registered after the Writer is built) in two property reads, instead of building a span per
 * message only to find none records (~4 % of an SQS invocation's CPU). The no-op provider is what
 * a ProxyTracerProvider without a delegate hands out, found through the API's exports alone.
 */
function noSdkRegistered(api: OpenTelemetryApi): boolean {
  const ProxyProvider = (api as Partial<Pick<typeof OpenTelemetry, 'ProxyTracerProvider'>>)
    .ProxyTracerProvider;
  if (!ProxyProvider) return false;
  const current = api.trace.getTracerProvider();
  if (!(current instanceof ProxyProvider)) return false;
  let noop = noopProviders.get(ProxyProvider);
  if (!noop) {
    noop = new ProxyProvider().getDelegate();
    noopProviders.set(ProxyProvider, noop);
  }
  return current.getDelegate() === noop;
}

function observeWrite(
  api: OpenTelemetryApi,
  tracer: Tracer,
  parent: Context,
  start: WriteStart,
  inject: boolean,
  withKeys: boolean,
): WriteObserver | undefined {
  const { messages } = start;
  const senders = messages.map((m) => senderContext(api, m));
  const topic = singleTopic(messages);
  const batch = messages.length > 1;
  const creates = batch
    ? messages.map((m, i) => createSpan(api, tracer, parent, start, m, senders[i], withKeys))
    : [];
  const links: Link[] = batch
    ? creates.map((span) => ({ context: span.spanContext() }))
    : senders[0]
      ? [{ context: senders[0] }]
      : [];
  const send = tracer.startSpan(
    spanName('send', topic),
    {
      // The conventions' kind: PRODUCER when this span is the message's creation context.
      kind: batch ? api.SpanKind.CLIENT : api.SpanKind.PRODUCER,
      attributes: {
        ...operationAttributes(start, 'send'),
        ...(topic === undefined ? {} : { [MESSAGING.destinationName]: topic }),
        ...(batch
          ? { [MESSAGING.batchMessageCount]: messages.length }
          : messageAttributes(messages[0] as InstrumentedMessage, withKeys)),
      },
      links,
    },
    parent,
  );
  if (!send.isRecording()) {
    // No SDK, or not sampled: nothing to record and nothing worth propagating.
    for (const span of creates) span.end();
    send.end();
    return undefined;
  }
  const headers = inject
    ? messages.map((m, i) =>
        m.headers && hasHeader(m.headers, TRACE_HEADERS.traceparent)
          ? undefined
          : traceHeaders(batch ? (creates[i] as Span) : send),
      )
    : undefined;
  return new SendObserver(api, send, creates, messages.length, start.async, headers);
}

/** Follows one call: ends the create spans as their messages settle, the send span at the end. */
class SendObserver implements WriteObserver {
  private settled = 0;
  private returned = false;
  private done = false;
  private readonly partitions = new Set<number>();
  private firstOffset: string | undefined;
  private batchFailure: Error | undefined;

  constructor(
    private readonly api: OpenTelemetryApi,
    private readonly send: Span,
    private readonly creates: Span[],
    private readonly count: number,
    private readonly async: boolean,
    readonly headers: ReadonlyArray<Record<string, string> | undefined> | undefined,
  ) {}

  batchSettled(batch: SettledBatch): void {
    this.partitions.add(batch.partition);
    batch.indices.forEach((index, j) => {
      const offset = batch.offsets?.[j];
      if (index === 0) this.firstOffset = offset;
      const create = this.creates[index];
      if (!create) return;
      create.setAttribute(MESSAGING.partitionId, String(batch.partition));
      if (offset !== undefined && offset !== '-1') create.setAttribute(MESSAGING.kafkaOffset, Number(offset));
      this.end(create, batch.error);
    });
    this.batchFailure ??= batch.error;
    this.settled += batch.indices.length;
    if (this.returned && this.settled >= this.count) this.finish(this.batchFailure);
  }

  writeReturned(error: Error | undefined): void {
    // A call that threw settles nothing more; a sync call that returned has settled everything.
    if (error || !this.async) {
      this.finish(error ?? this.batchFailure);
      return;
    }
    this.returned = true;
    if (this.settled >= this.count) this.finish(this.batchFailure);
  }

  private finish(error: Error | undefined): void {
    if (this.done) return;
    this.done = true;
    // Messages the call never sent (an unknown topic, an abort, a failure earlier in their partition).
    for (const create of this.creates) if (create.isRecording()) this.end(create, error);
    if (this.partitions.size === 1) {
      this.send.setAttribute(MESSAGING.partitionId, String([...this.partitions][0]));
      // The offset of the call's first message: the base offset of a one-partition write.
      if (this.firstOffset !== undefined && this.firstOffset !== '-1') {
        this.send.setAttribute(MESSAGING.kafkaOffset, Number(this.firstOffset));
      }
    }
    this.end(this.send, error);
  }

  private end(span: Span, error: Error | undefined): void {
    if (error) {
      span.setAttributes(errorAttributes(error));
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error.message });
    }
    span.end();
  }
}

/** A create span, child of the message's own trace context when it carries one. */
function createSpan(
  api: OpenTelemetryApi,
  tracer: Tracer,
  parent: Context,
  start: WriteStart,
  message: InstrumentedMessage,
  sender: SpanContext | undefined,
  withKeys: boolean,
): Span {
  return tracer.startSpan(
    spanName('create', message.topic),
    {
      kind: api.SpanKind.PRODUCER,
      attributes: {
        ...operationAttributes(start, 'create'),
        [MESSAGING.destinationName]: message.topic,
        ...messageAttributes(message, withKeys),
      },
    },
    sender ? api.trace.setSpanContext(parent, sender) : parent,
  );
}

/** The trace context the message's `traceparent` header carries, if valid. */
function senderContext(api: OpenTelemetryApi, message: InstrumentedMessage): SpanContext | undefined {
  const header = message.headers && headerValue(message.headers, TRACE_HEADERS.traceparent);
  const traceparent = validTraceparent(header);
  if (!traceparent) return undefined;
  const [, traceId, spanId, flags] = traceparent.split('-') as [string, string, string, string];
  const context: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & 1,
    isRemote: true,
  };
  return api.trace.isSpanContextValid(context) ? context : undefined;
}

/** `traceparent` (and `tracestate`) for the span, as W3C Trace Context writes them. */
function traceHeaders(span: Span): Record<string, string> | undefined {
  const { traceId, spanId, traceFlags, traceState } = span.spanContext();
  const flags = (traceFlags & 0xff).toString(16).padStart(2, '0');
  const traceparent = validTraceparent(`00-${traceId}-${spanId}-${flags}`);
  if (!traceparent) return undefined;
  const tracestate = traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

function hasHeader(headers: Readonly<Record<string, unknown>>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/** A header's first value as text, its name compared without case. */
function headerValue(headers: Readonly<Record<string, Buffer | Buffer[]>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const first = Array.isArray(value) ? value[0] : value;
    return first?.toString('utf8');
  }
  return undefined;
}
