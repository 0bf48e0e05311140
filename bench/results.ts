import { median, percentile } from './measure.ts';

/** Who a row measures: the floor, our code, our Lambda paths, or another client. */
export type ContenderKind = 'baseline' | 'writer' | 'lambda' | 'peer';

/** One contender of the throughput table. */
export interface ThroughputRow {
  /** Short id (BENCH_SKIP, JSON consumers). */
  id: string;
  contender: string;
  kind: ContenderKind;
  /** Median time of one round (every message of the workload). */
  medianMs: number;
  msgsPerSec: number;
  /** Payload (key + value) megabytes per second. */
  mbPerSec: number;
  /** Per call (or per invocation) latency, where the contender has calls. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Median CPU time (user + system) per message of the contender's process; null if unmeasured. */
  cpuMicrosPerMessage: number | null;
  /** Median CPU time of the (local, shared) broker per message the contender sent; null if unmeasured. */
  brokerCpuMicrosPerMessage: number | null;
  /** medianMs / the baseline's medianMs (raw kafkajs unless said otherwise): below 1 is faster. */
  ratioToKafkajs: number;
  note: string;
  roundsMs: number[];
  /**
   * Every timed call's milliseconds, in the order run, where the contender has calls: for the
   * goals' noise check, not written to the results files (`resultsJson`).
   */
  callMs?: number[];
  /** Acknowledged records not found in the contender's topic, where it had a topic of its own. */
  undelivered?: number;
}

/** What a contender's run produced before it is compared with the baseline. */
export interface Measured {
  id: string;
  contender: string;
  kind: ContenderKind;
  roundsMs: number[];
  callMs: number[];
  /** Per timed round, when measurable. */
  cpuMicrosPerMessage?: number[];
  /** The broker's, per timed round, when the bench runs the broker. */
  brokerCpuMicrosPerMessage?: number[];
  note?: string;
  undelivered?: number;
}

/**
 * Turns measurements into table rows with rates and the ratio to the baseline: the row with id
 * `baselineId` when given, else the first `baseline` row (raw kafkajs).
 */
export function throughputRows(
  measured: readonly Measured[],
  workload: { messages: number; payloadBytes: number; baselineId?: string },
): ThroughputRow[] {
  const baseline = workload.baselineId
    ? measured.find((m) => m.id === workload.baselineId)
    : measured.find((m) => m.kind === 'baseline');
  const baselineMs = baseline ? median(baseline.roundsMs) : Number.NaN;
  return measured.map((m) => {
    const ms = median(m.roundsMs);
    return {
      id: m.id,
      contender: m.contender,
      kind: m.kind,
      medianMs: round(ms, 1),
      msgsPerSec: Math.round(workload.messages / (ms / 1000)),
      mbPerSec: round(workload.payloadBytes / 1e6 / (ms / 1000), 1),
      p50Ms: m.callMs.length > 0 ? round(percentile(m.callMs, 50), 2) : null,
      p99Ms: m.callMs.length > 0 ? round(percentile(m.callMs, 99), 2) : null,
      cpuMicrosPerMessage: medianOrNull(m.cpuMicrosPerMessage),
      brokerCpuMicrosPerMessage: medianOrNull(m.brokerCpuMicrosPerMessage),
      ratioToKafkajs: round(ms / baselineMs, 3),
      note: m.note ?? '',
      roundsMs: m.roundsMs.map((r) => round(r, 1)),
      ...(m.callMs.length > 0 ? { callMs: m.callMs.map((ms) => round(ms, 2)) } : {}),
      ...(m.undelivered === undefined ? {} : { undelivered: m.undelivered }),
    };
  });
}

function medianOrNull(samples: readonly number[] | undefined): number | null {
  return samples && samples.length > 0 ? round(median(samples), 2) : null;
}

/** One contender of a sequential one-message-per-call latency run. */
export interface LatencyRow {
  id: string;
  contender: string;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Sequential calls per second (1000 / mean). */
  callsPerSec: number;
  /** meanMs / the kafkajs `send` meanMs. */
  ratioToKafkajs: number;
  note: string;
  /** The samples p50 and p99 came from (warm-up dropped), for the goals; not written to results. */
  callMs?: number[];
}

/** Summarizes per-call samples (the first 1 % dropped as warm-up) into a latency row. */
export function latencyRow(
  id: string,
  contender: string,
  samples: readonly number[],
  baselineMeanMs: number | undefined,
  note = '',
): LatencyRow {
  const kept = samples.slice(Math.floor(samples.length / 100));
  const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
  return {
    id,
    contender,
    p50Ms: round(percentile(kept, 50), 2),
    p99Ms: round(percentile(kept, 99), 2),
    meanMs: round(mean, 2),
    callsPerSec: Math.round(1000 / mean),
    ratioToKafkajs: round(mean / (baselineMeanMs ?? mean), 2),
    note,
    callMs: kept,
  };
}

/** Rounds to `digits` decimals. */
export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * A results file's text: indented JSON without the rows' call samples (thousands of numbers
 * a run, read by the goals and then dropped).
 */
export function resultsJson(results: unknown): string {
  return `${JSON.stringify(results, (key, value: unknown) => (key === 'callMs' ? undefined : value), 2)}\n`;
}
