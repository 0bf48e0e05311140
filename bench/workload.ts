/**
 * The one workload every contender sends: `messages` values of `valueBytes` bytes, keyed
 * `key-<i mod 1000>` (1,000 distinct keys spread over every partition), in calls of `chunk`.
 */

/** One benchmark message as the Writer and kafkajs take it. */
export interface BenchMessage {
  key: string;
  value: Buffer;
}

/** The key of message `i`: 1,000 distinct keys, the same for every contender. */
export function keyOf(i: number): string {
  return `key-${i % 1000}`;
}

/** The workload's messages (one shared value buffer: contenders serialize, never mutate, it). */
export function makeMessages(count: number, valueBytes: number): BenchMessage[] {
  const value = Buffer.alloc(valueBytes, 'x');
  return Array.from({ length: count }, (_, i) => ({ key: keyOf(i), value }));
}

/** Splits items into consecutive slices of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The throughput workload split into calls, with its payload size for MB/s. */
export function throughputWorkload(settings: { messages: number; valueBytes: number; chunk: number }): {
  calls: BenchMessage[][];
  payloadBytes: number;
} {
  return {
    calls: chunks(makeMessages(settings.messages, settings.valueBytes), settings.chunk),
    payloadBytes: payloadBytes(settings.messages, settings.valueBytes),
  };
}

/** Key + value bytes of the workload: what MB/s counts (headers and framing are not payload). */
export function payloadBytes(count: number, valueBytes: number): number {
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += Buffer.byteLength(keyOf(i)) + valueBytes;
  return bytes;
}
