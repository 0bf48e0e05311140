import { ERROR_CODES } from '../constants.ts';
import { CorruptBatchError, type DecodedBatch, decodeRecordBatches } from '../protocol/record-batch.ts';
import type { WireReader } from '../protocol/wire-reader.ts';
import { WireWriter } from '../protocol/wire-writer.ts';
import { released } from '../scripting.ts';
import type { PartitionState } from '../state/cluster-state.ts';
import type { AppendOutcome } from '../state/partition-log.ts';
import type { ProduceAction, ProduceContext } from '../types.ts';
import type { HandlerResult, NodeContext, RequestHeader } from './node-context.ts';

/** One partition's part of the answer. */
interface PartitionAnswer {
  partition: number;
  errorCode: number;
  baseOffset: number;
  logStartOffset: number;
}

/** A partition's answer, or what its action does to the whole connection. */
type PartitionOutcome = { answer: PartitionAnswer } | { connection: 'close' | 'dead' };

const VALID_ACKS = new Set([-1, 0, 1]);

/**
 * Produce v3-v7. Each partition batch is routed (topic known, this node its leader, exactly one
 * well-formed batch), then its `onProduce` action decides, then the KIP-98 rules (PartitionLog)
 * append it or not. Partitions are judged independently, as Kafka does; acks=0 is never answered.
 * Replication is not modelled: a leader's append is final, and acks only decides whether to answer.
 */
export async function handleProduce(
  node: NodeContext,
  header: RequestHeader,
  body: WireReader,
): Promise<HandlerResult> {
  body.nullableString(); // transactional_id: transactions are not modelled
  const acks = body.int16();
  body.int32(); // timeout_ms: replication is not modelled, so nothing waits for it
  const topics = body.array((t) => ({
    topic: t.string(),
    partitions: t.array((p) => ({ partition: p.int32(), records: p.nullableBytes() })),
  }));

  const outcomes = await Promise.all(
    topics.map(async ({ topic, partitions }) => ({
      topic,
      partitions: await Promise.all(
        partitions.map((p) => producePartition(node, header, acks, topic, p.partition, p.records)),
      ),
    })),
  );
  const all = outcomes.flatMap((t) => t.partitions);
  if (all.some((o) => 'connection' in o && o.connection === 'close')) return { kind: 'close' };
  if (all.some((o) => 'connection' in o)) return { kind: 'dead' };
  if (acks === 0) return { kind: 'silent' };

  const w = new WireWriter();
  w.array(outcomes, (w, { topic, partitions }) => {
    w.nullableString(topic);
    w.array(partitions, (w, outcome) => {
      const a = (outcome as { answer: PartitionAnswer }).answer;
      w.int32(a.partition).int16(a.errorCode).int64(a.baseOffset);
      w.int64(-1); // log_append_time: -1 means CreateTime, the topic default
      if (header.apiVersion >= 5) w.int64(a.logStartOffset);
    });
  });
  w.int32(0); // throttle_time_ms
  return { kind: 'respond', body: w.toBuffer() };
}

async function producePartition(
  node: NodeContext,
  header: RequestHeader,
  acks: number,
  topic: string,
  partition: number,
  records: Buffer | null,
): Promise<PartitionOutcome> {
  const refuse = (errorCode: number): PartitionOutcome => ({ answer: errorAnswer(partition, errorCode) });
  if (!VALID_ACKS.has(acks)) return refuse(ERROR_CODES.INVALID_REQUIRED_ACKS);
  const routed = route(node, topic, partition);
  if (typeof routed === 'number') return refuse(routed);
  let batch: DecodedBatch;
  try {
    const batches = records ? decodeRecordBatches(records) : [];
    // Kafka: Produce v3+ must carry exactly one record batch per partition.
    if (batches.length !== 1) return refuse(ERROR_CODES.CORRUPT_MESSAGE);
    batch = batches[0] as DecodedBatch;
  } catch (error) {
    if (error instanceof CorruptBatchError) return refuse(ERROR_CODES.CORRUPT_MESSAGE);
    throw error;
  }

  const context: ProduceContext = {
    node: node.nodeId,
    topic,
    partition,
    producerId: batch.producerId,
    epoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    count: batch.recordCount,
    attempt: node.scripting.countProduceAttempt(batchKey(topic, partition, batch)),
    acks,
    apiVersion: header.apiVersion,
    records: batch.records,
  };
  const append = (): AppendOutcome => {
    // Looked up again: a hook or a hold may have outlived this node's leadership or the topic.
    const current = route(node, topic, partition);
    if (typeof current === 'number') return { outcome: 'rejected', errorCode: current, reason: 'routing' };
    return current.log.append(batch);
  };
  const hook = node.scripting.produceHook;
  return applyAction((await hook?.(context)) ?? 'append', partition, append);
}

async function applyAction(
  action: ProduceAction,
  partition: number,
  append: () => AppendOutcome,
): Promise<PartitionOutcome> {
  if (action === 'append') return { answer: appendAnswer(partition, append()) };
  if ('appendThenError' in action) {
    const outcome = append();
    const code = outcome.outcome === 'rejected' ? outcome.errorCode : action.appendThenError;
    return { answer: errorAnswer(partition, code) };
  }
  if ('rejectWith' in action) return { answer: errorAnswer(partition, action.rejectWith) };
  if ('closeConnection' in action) {
    if (action.append) append();
    return { connection: 'close' };
  }
  if ('noAnswer' in action) {
    if (action.append) append();
    return { connection: 'dead' };
  }
  if (action.appendFirst) {
    const outcome = append();
    await released(action.hold);
    return { answer: appendAnswer(partition, outcome) };
  }
  await released(action.hold);
  return applyAction(action.next ?? 'append', partition, append);
}

/** The partition if this node leads it, else the error code a broker answers. */
function route(node: NodeContext, topic: string, partition: number): PartitionState | number {
  const state = node.cluster.partition(topic, partition);
  if (!state) return ERROR_CODES.UNKNOWN_TOPIC_OR_PARTITION;
  if (state.leader !== node.nodeId) return ERROR_CODES.NOT_LEADER_OR_FOLLOWER;
  return state;
}

/** Identifies a batch across retries: its producer's sequence range, or its CRC without one. */
function batchKey(topic: string, partition: number, batch: DecodedBatch): string {
  const identity =
    batch.producerId >= 0
      ? `${batch.producerId}/${batch.producerEpoch}/${batch.baseSequence}/${batch.lastOffsetDelta}`
      : `crc/${batch.crc}`;
  return `${topic}\u0000${partition}\u0000${identity}`;
}

function appendAnswer(partition: number, outcome: AppendOutcome): PartitionAnswer {
  if (outcome.outcome === 'rejected') return errorAnswer(partition, outcome.errorCode);
  // Nothing is ever deleted, so the log starts at 0.
  return { partition, errorCode: ERROR_CODES.NONE, baseOffset: outcome.baseOffset, logStartOffset: 0 };
}

/** Kafka answers an error with -1 for every offset. */
function errorAnswer(partition: number, errorCode: number): PartitionAnswer {
  return { partition, errorCode, baseOffset: -1, logStartOffset: -1 };
}
