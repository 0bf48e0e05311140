/**
 * Which batches travel in which Produce request to one broker. Everything ready for a leader in
 * one turn of the event loop used to go as one request; an async Writer whose six partitions fill
 * together then sent ~1.4 MB requests. A Java broker reads a request into one heap buffer, and
 * G1 allocates a buffer larger than half a heap region (512 KiB at Kafka's default 1 GB heap) as a
 * humongous object, each one starting a GC cycle: measured on the local broker, the same messages
 * cost it 3.8-4.4 µs each in requests of ~1.4 MB against 1.6 in requests of ~0.5 MB. Kept under a
 * byte target, one request is on the wire while the next is encoded. A partition's batch is never
 * split (it is the unit of its sequence numbers); one batch bigger than the target goes alone.
 */
import { recordSize } from './resolve-messages.ts';
import type { PartitionBatch } from './transport.ts';

/**
 * A batch's bytes as the Writer counts them (batchBytes): the count it carries, else its records'
 * keys, values and headers counted here (a caller driving the transport directly).
 */
export function batchBytes(batch: PartitionBatch): number {
  if (batch.bytes !== undefined) return batch.bytes;
  let bytes = 0;
  for (const record of batch.records) bytes += recordSize(record.key, record.value, record.headers);
  return bytes;
}

/**
 * Splits `items` (in order) into runs whose `bytesOf` total stays within `maxBytes`; an item that
 * alone exceeds it gets a run of its own. Every item lands in exactly one run, in order.
 */
export function splitByBytes<T>(items: readonly T[], bytesOf: (item: T) => number, maxBytes: number): T[][] {
  const runs: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const bytes = bytesOf(item);
    if (current.length > 0 && currentBytes + bytes > maxBytes) {
      runs.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += bytes;
  }
  if (current.length > 0) runs.push(current);
  return runs;
}
