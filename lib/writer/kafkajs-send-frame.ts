import type { InternalConnection, InternalProtocolRequest } from 'kafkajs/src/cluster/index.js';
import { setCorrelationId } from './wire/request-frame.ts';

/** What kafkajs' request queue resolves a request with. */
interface QueueAnswer {
  payload: Buffer | null;
}

/**
 * Sends a request already framed by the Writer (wire/request-frame.ts) on one of kafkajs'
 * connections, as kafkajs' `Connection.send` (2.2.4) does after building its own frame: the same
 * authentication step, correlation id, request queue (in-flight limit, request timeout,
 * instrumentation events), socket write and response decoding; the frame is written as it is
 * instead of being copied twice. Resolves with the decoded answer, unparsed (as
 * `sendKeepingErrors`), or undefined when the request expects none (acks=0). `onQueued` is told
 * once the request holds its place in the connection's queue.
 */
export async function sendFrame(
  connection: InternalConnection,
  request: InternalProtocolRequest,
  frame: Buffer,
  onQueued?: () => void,
): Promise<unknown> {
  const { apiKey, apiName, apiVersion, expectResponse } = request.request as {
    apiKey: number;
    apiName: string;
    apiVersion: number;
    expectResponse?: () => boolean;
  };
  if (!connection.isAuthenticated()) await connection.authenticate();
  connection.failIfNotConnected();
  const expectsResponse = !expectResponse || expectResponse();
  const correlationId = connection.nextCorrelationId();
  setCorrelationId(frame, correlationId);
  const answer = await new Promise<QueueAnswer>((resolve, reject) => {
    try {
      connection.failIfNotConnected();
      connection.requestQueue.push({
        entry: { apiKey, apiName, apiVersion, correlationId, resolve, reject },
        expectResponse: expectsResponse,
        requestTimeout: (request.requestTimeout as number | undefined) ?? null,
        sendRequest: () => connection.socket?.write(frame, 'binary'),
      });
      // The queue writes requests in the order they were pushed: what is pushed later goes later.
      onQueued?.();
    } catch (error) {
      reject(error);
    }
  });
  if (!expectsResponse) return undefined;
  const decoded = (await request.response.decode(answer.payload as Buffer)) as {
    clientSideThrottleTime?: number;
  };
  // KIP-219: a broker asking the client to throttle is obeyed, as kafkajs does.
  connection.requestQueue.maybeThrottle(decoded.clientSideThrottleTime);
  return decoded;
}
