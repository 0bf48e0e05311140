import { ERROR_CODES } from '../constants.ts';
import type { WireReader } from '../protocol/wire-reader.ts';
import { WireWriter } from '../protocol/wire-writer.ts';
import { released, sleep } from '../scripting.ts';
import type { InitProducerIdAction } from '../types.ts';
import type { HandlerResult, NodeContext, RequestHeader } from './node-context.ts';

/**
 * InitProducerId v0-v1: a fresh producer id and epoch 0 on every call, from any node (a
 * non-transactional producer may ask any broker). A transactional id is read and ignored: the
 * fake has no transaction coordinator, and clients find none because FindCoordinator is not
 * advertised.
 */
export async function handleInitProducerId(
  node: NodeContext,
  header: RequestHeader,
  body: WireReader,
): Promise<HandlerResult> {
  const transactionalId = body.nullableString();
  body.int32(); // transaction_timeout_ms
  const hook = node.scripting.initProducerIdHook;
  const attempt = node.scripting.countInitProducerIdAttempt();
  let action: InitProducerIdAction | undefined = await hook?.({
    node: node.nodeId,
    attempt,
    transactionalId,
    apiVersion: header.apiVersion,
  });
  for (;;) {
    if (action === undefined || action === 'answer')
      return answer(ERROR_CODES.NONE, node.cluster.allocateProducerId(), 0);
    if ('errorCode' in action) return answer(action.errorCode, -1, -1);
    if ('closeConnection' in action) return { kind: 'close' };
    if ('noAnswer' in action) return { kind: 'dead' };
    if ('delayMs' in action) {
      await sleep(action.delayMs);
      action = 'answer';
    } else {
      await released(action.hold);
      action = action.next;
    }
  }
}

function answer(errorCode: number, producerId: number, epoch: number): HandlerResult {
  const body = new WireWriter().int32(0).int16(errorCode).int64(producerId).int16(epoch).toBuffer();
  return { kind: 'respond', body };
}
