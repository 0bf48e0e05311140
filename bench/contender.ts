import type { ContenderKind } from './results.ts';

/** An in-process contender: connected once, then asked for rounds of the same workload. */
export interface Contender {
  /** Short id, for BENCH_SKIP and the JSON. */
  id: string;
  /** Label in the table. */
  name: string;
  kind: ContenderKind;
  /** What a reader must know to compare this row fairly. */
  note?: string;
  /**
   * Sends every message of the workload once, reporting each call's (invocation's) duration;
   * resolves to the round's duration (a number) when the contender timed it itself (another process).
   */
  round(onCall: (ms: number) => void): Promise<unknown>;
  /** Disconnects; the contender is not used afterwards. */
  close(): Promise<void>;
}

/** Times each call of a round. */
export async function timedCalls<T>(
  calls: readonly T[],
  send: (call: T) => Promise<unknown>,
  onCall: (ms: number) => void,
): Promise<void> {
  for (const call of calls) {
    const start = performance.now();
    await send(call);
    onCall(performance.now() - start);
  }
}
