import { describe, expect, it } from 'vitest';
import type { BufferedEntry } from '../../../lib/writer/async-buffer.ts';
import type { WriterLogger } from '../../../lib/writer/connection-options.ts';
import type {
  SettledBatch,
  WriteObserver,
  WriterInstrumentation,
} from '../../../lib/writer/instrumentation.ts';
import type { ResolvedMessage } from '../../../lib/writer/message.ts';
import { reportReturn, reportSettled, startObserving } from '../../../lib/writer/observe-writes.ts';
import { resolveMessages } from '../../../lib/writer/resolve-messages.ts';

/** A logger that keeps what it is told. */
const recordingLogger = () => {
  const lines: string[] = [];
  const log = (message: string) => lines.push(message);
  const logger: WriterLogger = { debug: log, info: log, warn: log, error: log };
  return { logger, lines };
};

const observerOf = (headers?: WriteObserver['headers']) => {
  const settled: SettledBatch[] = [];
  const observer: WriteObserver = {
    ...(headers ? { headers } : {}),
    batchSettled: (batch) => settled.push(batch),
    writeReturned: () => undefined,
  };
  return { observer, settled };
};

const writerWith = (
  instrumentation: WriterInstrumentation,
  batchBytes = 1_048_576,
  logger?: WriterLogger,
) => ({
  instrumentation,
  async: false,
  clientId: 'c',
  brokers: ['b:9092'],
  batchBytes,
  logger,
});

const headerText = (message: ResolvedMessage | undefined, name: string) => {
  const value = message?.headers?.[name];
  return Array.isArray(value) ? value.map(String) : value?.toString();
};

describe('startObserving with an instrumentation that breaks its contract', () => {
  it('goes on untraced when reading its headers throws, and tells it the write returned', () => {
    const resolved = resolveMessages([{ value: 'a' }], 't', 1_048_576);
    const { logger, lines } = recordingLogger();
    const returned: unknown[] = [];
    const observer = {
      get headers(): never {
        throw new Error('boom');
      },
      batchSettled: () => undefined,
      writeReturned: (error?: Error) => returned.push(error),
    } as WriteObserver;

    const started = startObserving(writerWith({ startWrite: () => observer }, 1_048_576, logger), resolved);

    expect(started).toBeUndefined();
    expect(resolved[0]?.headers).toBeUndefined();
    expect(lines.some((l) => l.includes('headers'))).toBe(true);
    expect(returned).toHaveLength(1);
  });

  it('skips header values that are not strings', () => {
    const resolved = resolveMessages([{ value: 'a' }], 't', 1_048_576);
    const { observer } = observerOf([{ 'x-n': 5 as unknown as string, traceparent: 'tp' }]);

    expect(startObserving(writerWith({ startWrite: () => observer }), resolved)).toBe(observer);

    expect(headerText(resolved[0], 'x-n')).toBeUndefined();
    expect(headerText(resolved[0], 'traceparent')).toBe('tp');
  });
});

describe('startObserving (the Writer’s side of WriterInstrumentation)', () => {
  it('adds the headers the observer asks for to the Writer’s copy, counting their bytes', () => {
    const caller = [{ value: 'a', headers: { other: 'x' } }];
    const resolved = resolveMessages(caller, 't', 1_048_576);
    const before = resolved[0]?.size ?? 0;
    const { observer } = observerOf([{ traceparent: 'tp' }]);

    startObserving(writerWith({ startWrite: () => observer }), resolved);

    expect(headerText(resolved[0], 'traceparent')).toBe('tp');
    expect(headerText(resolved[0], 'other')).toBe('x');
    expect(resolved[0]?.size).toBe(before + 'traceparent'.length + 2 + 8);
    // The caller's message is not touched.
    expect(caller[0]?.headers).toEqual({ other: 'x' });
  });

  it('never replaces a header the message has, whatever its letter case', () => {
    const resolved = resolveMessages([{ value: 'a', headers: { TraceParent: 'sender' } }], 't', 1_048_576);
    const { observer } = observerOf([{ traceparent: 'ours' }]);

    startObserving(writerWith({ startWrite: () => observer }), resolved);

    expect(resolved[0]?.headers).toEqual({ TraceParent: Buffer.from('sender') });
  });

  it('adds no header that would take the message past batchBytes', () => {
    const resolved = resolveMessages([{ value: 'v'.repeat(1000) }], 't', 1040);
    const { observer } = observerOf([{ traceparent: 'x'.repeat(55) }]);

    startObserving(writerWith({ startWrite: () => observer }, 1040), resolved);

    expect(resolved[0]?.headers).toBeUndefined();
  });

  it('logs an instrumentation that throws and leaves the call untraced', () => {
    const { logger, lines } = recordingLogger();
    const resolved = resolveMessages([{ value: 'a' }], 't', 1_048_576);
    const throwing: WriterInstrumentation = {
      startWrite: () => {
        throw new Error('broken tracer');
      },
    };

    expect(startObserving(writerWith(throwing, 1_048_576, logger), resolved)).toBeUndefined();
    expect(lines).toEqual(['writer instrumentation startWrite threw; the write goes on untraced']);
  });

  it('logs an observer that throws when told of a settled batch or the return', () => {
    const { logger, lines } = recordingLogger();
    const throwing: WriteObserver = {
      batchSettled: () => {
        throw new Error('x');
      },
      writeReturned: () => {
        throw new Error('y');
      },
    };
    const entry = { ...entryFor(0, throwing) };

    reportSettled([entry], 't', 0, ['5'], undefined, logger);
    reportReturn(throwing, undefined, logger);

    expect(lines).toEqual([
      'writer instrumentation batchSettled threw; the write goes on untraced',
      'writer instrumentation writeReturned threw; the write goes on untraced',
    ]);
  });
});

function entryFor(index: number, observer: WriteObserver | undefined): BufferedEntry {
  const [resolved] = resolveMessages([{ value: String(index) }], 't', 1_048_576);
  return {
    message: { value: String(index) },
    resolved: resolved as ResolvedMessage,
    seq: index,
    enqueuedAtMs: 0,
    observer,
    index,
  };
}

describe('reportSettled', () => {
  it('tells each call’s observer about its own messages of a request, with their offsets', () => {
    const first = observerOf();
    const second = observerOf();
    const error = new Error('refused');
    const entries = [entryFor(0, first.observer), entryFor(1, first.observer), entryFor(0, second.observer)];

    reportSettled(entries, 't', 3, ['10', '11', '12'], undefined, undefined);
    reportSettled(entries.slice(2), 't', 3, undefined, error, undefined);

    expect(first.settled).toEqual([
      {
        topic: 't',
        partition: 3,
        indices: [0, 1],
        offsets: ['10', '11'],
        error: undefined,
        requestMessageCount: 3,
      },
    ]);
    expect(second.settled).toEqual([
      { topic: 't', partition: 3, indices: [0], offsets: ['12'], error: undefined, requestMessageCount: 3 },
      { topic: 't', partition: 3, indices: [0], offsets: undefined, error, requestMessageCount: 1 },
    ]);
  });

  it('skips entries of untraced calls', () => {
    const traced = observerOf();

    reportSettled(
      [entryFor(0, undefined), entryFor(0, traced.observer)],
      't',
      0,
      ['1', '2'],
      undefined,
      undefined,
    );

    expect(traced.settled.map((b) => b.offsets)).toEqual([['2']]);
  });
});
