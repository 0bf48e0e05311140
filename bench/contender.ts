import type { ContenderKind } from './results.ts';

/** What a contender that times itself (another process) reports for one round. */
export interface OwnRound {
  ms: number;
  /** CPU time per message of the process, when it could be measured. */
  cpuMicrosPerMessage: number | null;
}

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
   * resolves to an OwnRound when the contender timed itself (another process).
   */
  round(onCall: (ms: number) => void): Promise<OwnRound | undefined | unknown>;
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
