import type { ContenderKind } from './results.ts';

/** What a contender that times itself (another process) reports for one round. */
export interface OwnRound {
  ms: number;
  /** CPU time per message of the process, when it could be measured. */
  cpuMicrosPerMessage: number | null;
  /** Messages the round (or slice) wrote, when the process says. */
  messages?: number;
}

/**
 * Part of a round: its calls from `index * calls / of` up to the next slice's first. Rounds cut
 * in slices alternate between contenders every few calls, so a broker pause lands on all of them
 * alike instead of deciding one contender's round.
 */
export interface RoundSlice {
  index: number;
  of: number;
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
  /** Whether `round` takes a slice (the contender sends calls, not one stream per process). */
  sliceable?: boolean;
  /**
   * Sends every message of the workload once (only the slice's calls, with `slice`), reporting
   * each call's (invocation's) duration; resolves to an OwnRound when the contender timed itself
   * (another process).
   */
  round(onCall: (ms: number) => void, slice?: RoundSlice): Promise<OwnRound | undefined | unknown>;
  /** Disconnects; the contender is not used afterwards. */
  close(): Promise<void>;
}

/** The calls of a round that belong to `slice` (all of them without one). */
export function sliceOf<T>(calls: readonly T[], slice: RoundSlice | undefined): readonly T[] {
  if (slice === undefined) return calls;
  const at = (index: number) => Math.floor((index * calls.length) / slice.of);
  return calls.slice(at(slice.index), at(slice.index + 1));
}

/** Times each call of a round, or of its slice. */
export async function timedCalls<T>(
  calls: readonly T[],
  send: (call: T) => Promise<unknown>,
  onCall: (ms: number) => void,
  slice?: RoundSlice,
): Promise<void> {
  for (const call of sliceOf(calls, slice)) {
    const start = performance.now();
    await send(call);
    onCall(performance.now() - start);
  }
}
