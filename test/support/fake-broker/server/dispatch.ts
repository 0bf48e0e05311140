import { API_KEYS, type ApiName, SUPPORTED_VERSIONS } from '../constants.ts';
import { handleApiVersions } from '../handlers/api-versions.ts';
import { handleInitProducerId } from '../handlers/init-producer-id.ts';
import { handleMetadata } from '../handlers/metadata.ts';
import type { HandlerResult, NodeContext, RequestHeader } from '../handlers/node-context.ts';
import { handleProduce } from '../handlers/produce.ts';
import { WireFormatError, WireReader } from '../protocol/wire-reader.ts';
import { released, sleep } from '../scripting.ts';
import type { RequestAction, RequestContext } from '../types.ts';

/** A request's result and the correlation id its answer carries. */
export interface Dispatched {
  correlationId: number;
  result: HandlerResult;
}

const API_NAMES = new Map<number, ApiName>(
  (Object.entries(API_KEYS) as Array<[ApiName, number]>).map(([name, key]) => [key, name]),
);

/**
 * Reads one request frame's header, runs the `onRequest` hook and the API's handler. A request
 * the fake cannot read, or for an API or version it does not advertise (other than
 * ApiVersions), closes the connection, as Kafka does.
 */
export async function dispatch(node: NodeContext, frame: Buffer): Promise<Dispatched> {
  const reader = new WireReader(frame);
  let header: RequestHeader;
  try {
    header = {
      apiKey: reader.int16(),
      apiVersion: reader.int16(),
      correlationId: reader.int32(),
      clientId: null,
    };
    header.clientId = reader.nullableString();
  } catch {
    return { correlationId: -1, result: { kind: 'close' } };
  }
  const apiName = API_NAMES.get(header.apiKey);
  const context: RequestContext = { node: node.nodeId, apiName, ...header };
  node.scripting.requestLog.push(context);

  const early = await applyRequestAction(await node.scripting.requestHook?.(context));
  if (early) return { correlationId: header.correlationId, result: early };
  try {
    return { correlationId: header.correlationId, result: await handle(node, apiName, header, reader) };
  } catch (error) {
    if (error instanceof WireFormatError)
      return { correlationId: header.correlationId, result: { kind: 'close' } };
    throw error;
  }
}

/** The result that replaces handling, or undefined to handle the request. */
async function applyRequestAction(action: RequestAction | undefined): Promise<HandlerResult | undefined> {
  for (;;) {
    if (action === undefined || action === 'handle') return undefined;
    if ('closeConnection' in action) return { kind: 'close' };
    if ('noAnswer' in action) return { kind: 'dead' };
    if ('delayMs' in action) {
      await sleep(action.delayMs);
      return undefined;
    }
    await released(action.hold);
    action = action.next;
  }
}

function handle(
  node: NodeContext,
  apiName: ApiName | undefined,
  header: RequestHeader,
  body: WireReader,
): HandlerResult | Promise<HandlerResult> {
  if (apiName === 'ApiVersions') return handleApiVersions(header);
  if (apiName === undefined) return { kind: 'close' };
  const { min, max } = SUPPORTED_VERSIONS[apiName];
  if (header.apiVersion < min || header.apiVersion > max) return { kind: 'close' };
  switch (apiName) {
    case 'Produce':
      return handleProduce(node, header, body);
    case 'Metadata':
      return handleMetadata(node, header, body);
    case 'InitProducerId':
      return handleInitProducerId(node, header, body);
  }
}
