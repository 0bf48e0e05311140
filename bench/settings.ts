/**
 * Every knob of `npm run bench`, read once from the environment. The defaults keep the whole run
 * under ten minutes on a 2-core machine.
 */

/** What one benchmark run measures, and how much of it. */
export interface BenchSettings {
  /** Messages per throughput round (`BENCH_MESSAGES`). */
  messages: number;
  /** Bytes per value (`BENCH_VALUE_BYTES`). */
  valueBytes: number;
  /** Messages per call / per SQS invocation (`BENCH_CHUNK`). */
  chunk: number;
  /** Timed rounds after one warm-up round (`BENCH_ROUNDS`). */
  rounds: number;
  /** Partitions of the throughput topic (`BENCH_PARTITIONS`). */
  partitions: number;
  /** Sequential one-message writes per contender (`BENCH_SINGLE_WRITES`). */
  singleWrites: number;
  /** Connect-per-invocation invocations (`BENCH_COLD_INVOCATIONS`). */
  coldInvocations: number;
  /** Records of the big SQS invocation (`BENCH_SQS_RECORDS`, Lambda's maximum batch). */
  sqsRecords: number;
  /** Timed big SQS invocations (`BENCH_SQS_INVOCATIONS`). */
  sqsInvocations: number;
  /** Contenders to leave out, by id (`BENCH_SKIP=java,kcat`). */
  skip: ReadonlySet<string>;
  /** Use these brokers instead of starting one (`BENCH_BROKERS`): iterate without a broker start. */
  brokers: string[] | undefined;
}

/** Reads the settings; a malformed number fails at once rather than benchmarking nonsense. */
export function readSettings(env: Record<string, string | undefined> = process.env): BenchSettings {
  const int = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be a positive integer, not "${raw}"`);
    return value;
  };
  const list = (name: string): string[] =>
    (env[name] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const brokers = list('BENCH_BROKERS');
  return {
    messages: int('BENCH_MESSAGES', 50_000),
    valueBytes: int('BENCH_VALUE_BYTES', 256),
    chunk: int('BENCH_CHUNK', 1000),
    rounds: int('BENCH_ROUNDS', 9),
    partitions: int('BENCH_PARTITIONS', 6),
    singleWrites: int('BENCH_SINGLE_WRITES', 1000),
    coldInvocations: int('BENCH_COLD_INVOCATIONS', 100),
    sqsRecords: int('BENCH_SQS_RECORDS', 10_000),
    sqsInvocations: int('BENCH_SQS_INVOCATIONS', 7),
    skip: new Set(list('BENCH_SKIP')),
    brokers: brokers.length > 0 ? brokers : undefined,
  };
}
