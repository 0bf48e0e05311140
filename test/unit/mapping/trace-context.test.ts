import { describe, expect, it } from 'vitest';
import {
  pickTraceContext,
  validTraceparent,
  withTraceContext,
  xrayToTraceparent,
} from '../../../lib/mapping/trace-context.ts';

describe('validTraceparent (W3C Trace Context, level 1)', () => {
  it("accepts the spec's examples", () => {
    // https://www.w3.org/TR/trace-context/#examples-of-http-traceparent-headers
    expect(validTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe(
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    );
    expect(validTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')).toBe(
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
    );
  });

  it.each([
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01'],
    ['short trace id', '00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01'],
    ['version 00 with a fifth field', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what'],
    ['not hex', '00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01'],
    ['empty', ''],
  ])('refuses %s', (_, value) => {
    expect(validTraceparent(value)).toBeUndefined();
  });

  it('reads a later version by its first four fields and writes version 00', () => {
    expect(
      validTraceparent(
        'cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like',
      ),
    ).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  });
});

describe('xrayToTraceparent', () => {
  it("converts the X-Ray developer guide's tracing header exactly", () => {
    // https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
    expect(
      xrayToTraceparent('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'),
    ).toBe('00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01');
  });

  it('maps Sampled=0, Sampled=? and no Sampled to the unsampled flag; ignores Lineage and order', () => {
    const root = 'Root=1-5759e988-bd862e3fe1be46a994272793';
    expect(xrayToTraceparent(`${root};Parent=53995c3f42cd8ad8;Sampled=0`)).toMatch(/-00$/);
    expect(xrayToTraceparent(`${root};Parent=53995c3f42cd8ad8;Sampled=?`)).toMatch(/-00$/);
    expect(xrayToTraceparent(`${root};Parent=53995c3f42cd8ad8`)).toMatch(/-00$/);
    expect(xrayToTraceparent(`Sampled=1;Lineage=a87bd80c:1|68fd508a:5;Parent=53995c3f42cd8ad8;${root}`)).toBe(
      '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01',
    );
  });

  it('gives nothing without a parent (an upstream request, not a segment) or with a malformed root', () => {
    expect(xrayToTraceparent('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1')).toBeUndefined();
    expect(
      xrayToTraceparent('Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8'),
    ).toBeUndefined();
    expect(
      xrayToTraceparent('Root=1-5759e988-bd862e3fe1be46a99427279;Parent=53995c3f42cd8ad8'),
    ).toBeUndefined();
    expect(xrayToTraceparent(undefined)).toBeUndefined();
  });
});

describe('pickTraceContext', () => {
  const w3c = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const xray = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

  it('takes the first usable candidate: the message before the invocation', () => {
    expect(pickTraceContext({ traceparent: w3c, tracestate: 'congo=t61rcWkgMzE' }, { xray })).toEqual({
      traceparent: w3c,
      tracestate: 'congo=t61rcWkgMzE',
    });
    expect(pickTraceContext({ traceparent: 'garbage', tracestate: 'congo=1' }, { xray })).toEqual({
      traceparent: '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01',
    });
    expect(pickTraceContext(undefined, { xray: undefined })).toBeUndefined();
  });
});

describe('withTraceContext', () => {
  const trace = {
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: 'rojo=1',
  };

  it('adds traceparent and tracestate beside the headers already there', () => {
    expect(withTraceContext({ value: 'v', headers: { a: 'b' } }, trace).headers).toEqual({
      a: 'b',
      traceparent: trace.traceparent,
      tracestate: 'rojo=1',
    });
    expect(withTraceContext({ value: 'v' }, { traceparent: trace.traceparent }).headers).toEqual({
      traceparent: trace.traceparent,
    });
  });

  it('never overwrites a trace header the sender set', () => {
    const own = { value: 'v', headers: { TraceParent: 'sender-value' } };
    expect(withTraceContext(own, trace)).toBe(own);
    const stateOnly = withTraceContext({ value: 'v', headers: { tracestate: 'sender=1' } }, trace);
    expect(stateOnly.headers).toEqual({ tracestate: 'sender=1', traceparent: trace.traceparent });
  });

  it('leaves a message alone when there is no trace', () => {
    const message = { value: 'v' };
    expect(withTraceContext(message, undefined)).toBe(message);
  });
});
