/**
 * A request's frame as Kafka reads it off the socket: the size, then request header v1 (api key,
 * api version, correlation id, client id), then the body. Produce v3-v7 use header v1.
 *
 * kafkajs' request layer builds the frame by copying the finished body into a new zero-filled
 * buffer twice (header + body, then size + the rest), each rounded up to a power of two: a 6 MB
 * request briefly took 6 + 8 + 8 MB. The Writer instead leaves room in front of the body it
 * encodes (produce-request.ts `headroomBytes`) and writes the header there, so a request exists
 * once. The bytes are kafkajs' (test/unit/writer/produce-request.test.ts compares them).
 */

/** Offset of the correlation id in a frame: after the size, api key and api version. */
const CORRELATION_ID_AT = 4 + 2 + 2;

/** Bytes of a frame in front of the body. */
export function requestHeaderBytes(clientId: string | null): number {
  return CORRELATION_ID_AT + 4 + 2 + (clientId === null ? 0 : Buffer.byteLength(clientId, 'utf8'));
}

/** The request's api and the client it names. */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  clientId: string | null;
}

/**
 * Writes the size and header into the first `requestHeaderBytes(clientId)` bytes of `frame`, whose
 * rest is the body. The correlation id is left 0 for `setCorrelationId`: a connection assigns it
 * only when the request is sent.
 */
export function writeRequestHeader(frame: Buffer, header: RequestHeader): Buffer {
  let o = frame.writeInt32BE(frame.length - 4, 0);
  o = frame.writeInt16BE(header.apiKey, o);
  o = frame.writeInt16BE(header.apiVersion, o);
  o = frame.writeInt32BE(0, o);
  if (header.clientId === null) {
    frame.writeInt16BE(-1, o);
  } else {
    const length = frame.write(header.clientId, o + 2, 'utf8');
    frame.writeInt16BE(length, o);
  }
  return frame;
}

/** Sets the correlation id the connection gave the request. */
export function setCorrelationId(frame: Buffer, correlationId: number): void {
  frame.writeInt32BE(correlationId, CORRELATION_ID_AT);
}
