/** min / max / avg / sum / count of a measured quantity since the last `stats()` call. */
export interface Summary {
  avg: number;
  min: number;
  max: number;
  sum: number;
  count: number;
}

/**
 * kafka-go's WriterStats, in camelCase. Counters and summaries cover the period since the previous
 * `stats()` call (they reset on read); the config fields are gauges.
 */
export interface WriterStats {
  /** Produce requests sent (kafka-go counts batches written). */
  writes: number;
  messages: number;
  bytes: number;
  errors: number;
  retries: number;
  /** Connections opened (kafka-go's Dials). */
  dials: number;
  /** Time from a batch's first message being queued to its acknowledgement, ms. */
  batchTimeMs: Summary;
  /** Time a batch waited in the queue before its first attempt, ms. */
  batchQueueTimeMs: Summary;
  /** Time spent in produce requests, ms. */
  writeTimeMs: Summary;
  /** Time spent waiting for backoff between attempts, ms. */
  waitTimeMs: Summary;
  batchSize: Summary;
  batchBytes: Summary;
  maxAttempts: number;
  writeBackoffMinMs: number;
  writeBackoffMaxMs: number;
  maxBatchSize: number;
  batchTimeoutMs: number;
  writeTimeoutMs: number;
  requiredAcks: number;
  async: boolean;
  topic: string;
  clientId: string;
  /** Async mode: messages buffered right now, and the bound. */
  bufferedMessages: number;
  maxBufferedMessages: number;
}

/** Accumulates one quantity. */
export class SummaryCounter {
  private sum = 0;
  private count = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;

  observe(value: number): void {
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Returns the summary and starts a new period. */
  snapshotAndReset(): Summary {
    const summary: Summary =
      this.count === 0
        ? { avg: 0, min: 0, max: 0, sum: 0, count: 0 }
        : { avg: this.sum / this.count, min: this.min, max: this.max, sum: this.sum, count: this.count };
    this.sum = 0;
    this.count = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    return summary;
  }
}

/** The Writer's counters; one instance per Writer. */
export class WriterStatsCollector {
  writes = 0;
  messages = 0;
  bytes = 0;
  errors = 0;
  retries = 0;
  dials = 0;
  readonly batchTimeMs = new SummaryCounter();
  readonly batchQueueTimeMs = new SummaryCounter();
  readonly writeTimeMs = new SummaryCounter();
  readonly waitTimeMs = new SummaryCounter();
  readonly batchSize = new SummaryCounter();
  readonly batchBytes = new SummaryCounter();

  /** Counters of the period, reset for the next one. */
  takeCounters() {
    const counters = {
      writes: this.writes,
      messages: this.messages,
      bytes: this.bytes,
      errors: this.errors,
      retries: this.retries,
      dials: this.dials,
      batchTimeMs: this.batchTimeMs.snapshotAndReset(),
      batchQueueTimeMs: this.batchQueueTimeMs.snapshotAndReset(),
      writeTimeMs: this.writeTimeMs.snapshotAndReset(),
      waitTimeMs: this.waitTimeMs.snapshotAndReset(),
      batchSize: this.batchSize.snapshotAndReset(),
      batchBytes: this.batchBytes.snapshotAndReset(),
    };
    this.writes = 0;
    this.messages = 0;
    this.bytes = 0;
    this.errors = 0;
    this.retries = 0;
    this.dials = 0;
    return counters;
  }
}
