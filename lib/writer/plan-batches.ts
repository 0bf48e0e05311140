import type { ResolvedMessage } from './message.ts';

/** Messages of one call bound for one partition, small enough for one produce request. */
export interface PlannedBatch {
  topic: string;
  partition: number;
  /** Indices into the call's messages, in call order. */
  indices: number[];
  bytes: number;
}

/**
 * Groups a call's messages by partition, keeping their order, and cuts each group into batches
 * of at most `batchSize` messages and `batchBytes` bytes. Returns the batches of each partition
 * in send order (a partition's batches go one after another so retries cannot reorder them).
 */
export function planBatches(
  messages: readonly ResolvedMessage[],
  partitions: readonly number[],
  batchSize: number,
  batchBytes: number,
): PlannedBatch[][] {
  // Per topic, a partition's batches at its partition number: no string key per message.
  const byTopic = new Map<string, PlannedBatch[][]>();
  const inFirstSeenOrder: PlannedBatch[][] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as ResolvedMessage;
    const partition = partitions[i] as number;
    let topicBatches = byTopic.get(message.topic);
    if (!topicBatches) {
      topicBatches = [];
      byTopic.set(message.topic, topicBatches);
    }
    let batches = topicBatches[partition];
    if (!batches) {
      batches = [];
      topicBatches[partition] = batches;
      inFirstSeenOrder.push(batches);
    }
    let current = batches[batches.length - 1];
    if (!current || current.indices.length >= batchSize || current.bytes + message.size > batchBytes) {
      current = { topic: message.topic, partition, indices: [], bytes: 0 };
      batches.push(current);
    }
    current.indices.push(i);
    current.bytes += message.size;
  }
  return inFirstSeenOrder;
}
