import type { Message } from '../writer/message.ts';

/**
 * W3C Trace Context for Kafka headers (pure). Sources hand over what they carry — a webhook's
 * `traceparent`/`tracestate`, an SQS record's X-Ray `AWSTraceHeader`, the invocation's
 * `_X_AMZN_TRACE_ID` — and the message gets `traceparent` (and `tracestate`) headers, unless the
 * sender already set them.
 */

/** The Kafka header names, as the W3C Trace Context spec names the HTTP headers. */
export const TRACE_HEADERS = { traceparent: 'traceparent', tracestate: 'tracestate' } as const;

/** A trace context to write: a valid `traceparent`, and `tracestate` only alongside it. */
export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}

const HEX = /^[0-9a-f]+$/;
const ALL_ZEROS = /^0+$/;

/**
 * The `traceparent` value if it is valid (W3C Trace Context, level 1), else undefined: version 00
 * is exactly `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`, neither id all zeros;
 * version ff is invalid; a later version is read by its first four fields, as the spec asks, and
 * written as the version 00 this code understands.
 */
export function validTraceparent(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const [version, traceId, parentId, flags, ...rest] = text.split('-');
  if (!version || !traceId || !parentId || !flags) return undefined;
  if (version.length !== 2 || !HEX.test(version) || version === 'ff') return undefined;
  if (version === '00' && (rest.length > 0 || text.length !== 55)) return undefined;
  if (traceId.length !== 32 || !HEX.test(traceId) || ALL_ZEROS.test(traceId)) return undefined;
  if (parentId.length !== 16 || !HEX.test(parentId) || ALL_ZEROS.test(parentId)) return undefined;
  if (flags.length !== 2 || !HEX.test(flags)) return undefined;
  return `00-${traceId}-${parentId}-${flags}`;
}

/**
 * The X-Ray trace header (`Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=<0|1|?>`, fields in
 * any order, others such as `Lineage` ignored) as a `traceparent`: the trace id is the root's two
 * hex parts joined, the parent id is Parent, the sampled flag is 01 for `Sampled=1` and 00
 * otherwise (0, `?` = not decided, or absent). Undefined without a valid Root and Parent: a
 * traceparent has no form for "no parent".
 */
export function xrayToTraceparent(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const root = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(fields.get('Root') ?? '');
  const parent = fields.get('Parent') ?? '';
  if (!root || parent.length !== 16 || !HEX.test(parent) || ALL_ZEROS.test(parent)) return undefined;
  const traceId = `${root[1]}${root[2]}`;
  if (ALL_ZEROS.test(traceId)) return undefined;
  return `00-${traceId}-${parent}-${fields.get('Sampled') === '1' ? '01' : '00'}`;
}

/**
 * The first usable trace context of the candidates, most specific first (the message's own, then
 * the invocation's): a W3C pair is used as given, an X-Ray header converted. `tracestate` travels
 * only with the `traceparent` it came with.
 */
export function pickTraceContext(
  ...candidates: readonly (
    | { readonly traceparent?: string; readonly tracestate?: string }
    | { readonly xray?: string }
    | undefined
  )[]
): TraceContext | undefined {
  for (const candidate of candidates) {
    if (!candidate) continue;
    if ('traceparent' in candidate) {
      const traceparent = validTraceparent(candidate.traceparent);
      if (!traceparent) continue;
      const tracestate = candidate.tracestate?.trim();
      return tracestate ? { traceparent, tracestate } : { traceparent };
    }
    if ('xray' in candidate) {
      const traceparent = xrayToTraceparent(candidate.xray);
      if (traceparent) return { traceparent };
    }
  }
  return undefined;
}

/**
 * The message with the trace context's headers added. A message whose headers already hold a
 * `traceparent` (any letter case) keeps its own, and its `tracestate` with it: the sender's trace
 * is never overwritten or mixed with another.
 */
export function withTraceContext(message: Message, trace: TraceContext | undefined): Message {
  if (!trace) return message;
  const headers = message.headers ?? {};
  const has = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
  if (has(TRACE_HEADERS.traceparent)) return message;
  return {
    ...message,
    headers: {
      ...headers,
      [TRACE_HEADERS.traceparent]: trace.traceparent,
      ...(trace.tracestate && !has(TRACE_HEADERS.tracestate)
        ? { [TRACE_HEADERS.tracestate]: trace.tracestate }
        : {}),
    },
  };
}
