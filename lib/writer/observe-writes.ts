import type { BufferedEntry } from './async-buffer.ts';
import type { WriterLogger } from './connection-options.ts';
import type { WriteObserver, WriterInstrumentation } from './instrumentation.ts';
import type { ResolvedMessage } from './message.ts';

/**
 * The Writer's side of WriterInstrumentation: starts an observer for a call, adds the headers it
 * asks for, and reports settled batches to the observers of their messages. A throwing
 * instrumentation is logged and ignored: tracing never fails a write.
 */

/** What the Writer knows that the instrumentation is told about. */
export interface ObservedWriter {
  readonly instrumentation: WriterInstrumentation;
  readonly async: boolean;
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly batchBytes: number;
  readonly logger: WriterLogger | undefined;
}

/** The call's observer (undefined when the instrumentation leaves it untraced or throws). */
export function startObserving(
  writer: ObservedWriter,
  resolved: ResolvedMessage[],
): WriteObserver | undefined {
  let observer: WriteObserver | undefined;
  try {
    observer = writer.instrumentation.startWrite({
      async: writer.async,
      clientId: writer.clientId,
      brokers: writer.brokers,
      messages: resolved,
    });
  } catch (error) {
    logThrow(writer.logger, 'startWrite', error);
    return undefined;
  }
  if (!observer) return undefined;
  try {
    // All or nothing: a throwing `headers` getter leaves every message as the caller gave it.
    const headers = observer.headers;
    if (headers) {
      const traced = resolved.map((message, i) => {
        const extra = headers[i];
        return extra ? withHeaders(message, extra, writer.batchBytes) : message;
      });
      for (let i = 0; i < traced.length; i++) resolved[i] = traced[i] as ResolvedMessage;
    }
  } catch (error) {
    logThrow(writer.logger, 'headers', error);
    reportReturn(observer, error, writer.logger);
    return undefined;
  }
  return observer;
}

/** Tells the observer the call returned or threw. */
export function reportReturn(
  observer: WriteObserver,
  error: unknown,
  logger: WriterLogger | undefined,
): void {
  try {
    observer.writeReturned(error === undefined ? undefined : (error as Error));
  } catch (thrown) {
    logThrow(logger, 'writeReturned', thrown);
  }
}

/**
 * Reports a settled request to the observers of its messages. A call's messages sit next to each
 * other in a request (a call is queued in one go), so each run of one observer is one report.
 */
export function reportSettled(
  entries: readonly BufferedEntry[],
  topic: string,
  partition: number,
  offsets: readonly string[] | undefined,
  error: Error | undefined,
  logger: WriterLogger | undefined,
): void {
  let start = 0;
  while (start < entries.length) {
    const observer = entries[start]?.observer;
    let end = start + 1;
    while (end < entries.length && entries[end]?.observer === observer) end++;
    if (observer) {
      const run = entries.slice(start, end);
      try {
        observer.batchSettled({
          topic,
          partition,
          indices: run.map((e) => e.index ?? 0),
          offsets: offsets?.slice(start, end),
          error,
          requestMessageCount: entries.length,
        });
      } catch (thrown) {
        logThrow(logger, 'batchSettled', thrown);
      }
    }
    start = end;
  }
}

/** The message with the headers it lacks added (names compared without case), within batchBytes. */
function withHeaders(
  message: ResolvedMessage,
  extra: Readonly<Record<string, string>>,
  batchBytes: number,
): ResolvedMessage {
  const present = new Set(Object.keys(message.headers ?? {}).map((name) => name.toLowerCase()));
  const headers: Record<string, Buffer | Buffer[]> = { ...message.headers };
  let size = message.size;
  for (const [name, value] of Object.entries(extra)) {
    // The contract says strings; anything else is skipped rather than failing the write.
    if (typeof value !== 'string' || present.has(name.toLowerCase())) continue;
    const bytes = Buffer.from(value);
    // The same per-header cost resolveMessages counts.
    const added = Buffer.byteLength(name) + bytes.length + 8;
    if (size + added > batchBytes) continue;
    headers[name] = bytes;
    size += added;
  }
  return size === message.size ? message : { ...message, headers, size };
}

function logThrow(logger: WriterLogger | undefined, hook: string, error: unknown): void {
  logger?.error(`writer instrumentation ${hook} threw; the write goes on untraced`, { error: String(error) });
}
