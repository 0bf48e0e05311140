/**
 * Per-message accounting for the fault tests: what was sent, how often the source handed each
 * message over, what the source was told was acknowledged, and every produce request that may
 * have appended it. Settled against what kcat reads back, it yields the one-line report.
 */

/** Why a message has more than one copy in Kafka. */
export interface DuplicateCauses {
  /** Extra copies of messages the source handed over once: the Writer's own retry of a request whose outcome was unknown. */
  writerRetry: number;
  /** Extra copies of messages the source handed over again after failing them back (or timing out) while a request carrying them may have landed. */
  redelivery: number;
  /** Extra copies no produce request explains: a request reported "not written" was appended after all. */
  unexplained: number;
}

/** The outcome of one scenario on one path. */
export interface FaultReport {
  scenario: string;
  path: string;
  sent: number;
  /** Distinct messages found in Kafka. */
  inKafka: number;
  /** Messages still failed back to the source at the end (batchItemFailures, queue, DLQ, caller). */
  failedBack: number;
  /** Of those, how many landed in Kafka anyway (a request in flight when the call gave up). */
  failedBackInKafka: number;
  /** Sent, but neither in Kafka nor failed back. Must be 0. */
  lost: number;
  /** Extra copies in Kafka, summed over messages. */
  duplicates: number;
  duplicateCauses: DuplicateCauses;
  /** Acknowledged to the source yet missing from Kafka (acknowledged ⊆ consumed must hold). */
  acknowledgedMissing: string[];
  /** Records whose value names no message this path sent. */
  foreign: number;
  /** Times the source handed a batch to the handler or Writer. */
  invocations: number;
  /** Messages the source handed over more than once (an earlier invocation failed them back). */
  redelivered: number;
  /** Produce requests that failed at the transport (proof the fault reached the stream). */
  failedRequests: number;
  /** The same, by error code. */
  failureCodes: Record<string, number>;
  durationMs: number;
  /** A few lost ids with their history, for the failure message. */
  lostSample: string[];
  /** Free-form facts worth a line in FAULTS.md (e.g. connections re-dialled). */
  notes: string[];
}

/** The id a message body starts with (the rest is filler up to the message size). */
export function idOfBody(body: string | Buffer | null | undefined): string | undefined {
  if (body === null || body === undefined) return undefined;
  const text = typeof body === 'string' ? body : body.toString('latin1');
  const space = text.indexOf(' ');
  return space < 0 ? text : text.slice(0, space);
}

/** A message body: its id, then filler so every message weighs `bytes`. */
export function bodyFor(id: string, bytes: number): string {
  return `${id} ${'x'.repeat(Math.max(0, bytes - id.length - 1))}`;
}

/** Where produce requests report what they carried; the tracing transport calls it. */
export interface RequestTrace {
  /** A request carrying these ids left for the broker: each may now be appended. */
  requestSent(ids: readonly string[]): void;
  /** The request failed and the transport says it was not written. */
  requestNotWritten(ids: readonly string[]): void;
  /** The request failed (written or not), with the transport's error code. */
  requestFailed(code: string): void;
}

export class Ledger implements RequestTrace {
  /** The messages this path sends: their ids, in order. */
  readonly ids: readonly string[];
  private readonly deliveries = new Map<string, number>();
  readonly acknowledged = new Set<string>();
  private readonly possibleAppends = new Map<string, number>();
  private readonly notWritten = new Map<string, number>();
  invocations = 0;
  failedRequests = 0;
  /** Failed produce requests by error code. */
  readonly failureCodes = new Map<string, number>();
  readonly notes: string[] = [];
  private readonly startedAt = Date.now();

  /** `messages`: how many to number `scenario/path/000123`, or the ids themselves. */
  constructor(
    readonly scenario: string,
    readonly path: string,
    messages: number | readonly string[],
  ) {
    if (typeof messages !== 'number') this.ids = messages;
    else {
      const width = String(messages - 1).length;
      this.ids = Array.from(
        { length: messages },
        (_, i) => `${scenario}/${path}/${String(i).padStart(width, '0')}`,
      );
    }
  }

  /** The source handed these messages to the handler or Writer (once more). */
  delivered(ids: readonly string[]): void {
    this.invocations++;
    for (const id of ids) this.deliveries.set(id, (this.deliveries.get(id) ?? 0) + 1);
  }

  /** The source was told these were acknowledged by Kafka (and deletes them). */
  acked(ids: Iterable<string>): void {
    for (const id of ids) this.acknowledged.add(id);
  }

  requestSent(ids: readonly string[]): void {
    for (const id of ids) this.possibleAppends.set(id, (this.possibleAppends.get(id) ?? 0) + 1);
  }

  requestNotWritten(ids: readonly string[]): void {
    for (const id of ids) {
      this.possibleAppends.set(id, (this.possibleAppends.get(id) ?? 1) - 1);
      this.notWritten.set(id, (this.notWritten.get(id) ?? 0) + 1);
    }
  }

  requestFailed(code: string): void {
    this.failedRequests++;
    this.failureCodes.set(code, (this.failureCodes.get(code) ?? 0) + 1);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  /**
   * Settles the books against the ids kcat read back and those still failed back to the source.
   * `ids` replaces the ledger's own when the messages are only known at the end (the webhook's).
   */
  settle(
    consumedIds: Iterable<string | undefined>,
    failedBack: Iterable<string>,
    ids: readonly string[] = this.ids,
  ): FaultReport {
    const known = new Set(ids);
    const copies = new Map<string, number>();
    let foreign = 0;
    for (const id of consumedIds) {
      if (id === undefined || !known.has(id)) foreign++;
      else copies.set(id, (copies.get(id) ?? 0) + 1);
    }
    const stillFailed = new Set([...failedBack].filter((id) => known.has(id)));
    const causes: DuplicateCauses = { writerRetry: 0, redelivery: 0, unexplained: 0 };
    for (const [id, count] of copies) {
      if (count < 2) continue;
      const extra = count - 1;
      // Each copy needs a request that may have appended it; more copies than such requests means
      // the transport called an appended request "not written".
      if (count > (this.possibleAppends.get(id) ?? 0)) causes.unexplained += extra;
      else if ((this.deliveries.get(id) ?? 0) <= 1) causes.writerRetry += extra;
      else causes.redelivery += extra;
    }
    const lost = ids.filter((id) => !copies.has(id) && !stillFailed.has(id));
    return {
      scenario: this.scenario,
      path: this.path,
      sent: ids.length,
      inKafka: copies.size,
      failedBack: stillFailed.size,
      failedBackInKafka: [...stillFailed].filter((id) => copies.has(id)).length,
      lost: lost.length,
      duplicates: causes.writerRetry + causes.redelivery + causes.unexplained,
      duplicateCauses: causes,
      acknowledgedMissing: [...this.acknowledged].filter((id) => !copies.has(id)),
      foreign,
      invocations: this.invocations,
      redelivered: ids.filter((id) => (this.deliveries.get(id) ?? 0) > 1).length,
      failedRequests: this.failedRequests,
      failureCodes: Object.fromEntries(this.failureCodes),
      durationMs: Date.now() - this.startedAt,
      lostSample: lost.slice(0, 5).map((id) => this.history(id)),
      notes: this.notes,
    };
  }

  /** One message's story, for failure messages. */
  history(id: string): string {
    return `${id}: delivered ${this.deliveries.get(id) ?? 0}x, acknowledged ${this.acknowledged.has(id)}, requests that may have appended it ${this.possibleAppends.get(id) ?? 0}, reported not written ${this.notWritten.get(id) ?? 0}x`;
  }
}

/** The one-line report: `scenario, path, sent, in Kafka, failed back, lost, duplicates`. */
export function formatReport(r: FaultReport): string {
  const c = r.duplicateCauses;
  const why =
    r.duplicates === 0
      ? ''
      : ` (Writer retry ${c.writerRetry}, redelivery ${c.redelivery}, unexplained ${c.unexplained})`;
  return (
    `[faults] ${r.scenario}, ${r.path}, sent ${r.sent}, in Kafka ${r.inKafka}, failed back ${r.failedBack}, ` +
    `lost ${r.lost}, duplicates ${r.duplicates}${why}; failed back but in Kafka ${r.failedBackInKafka}, ` +
    `${r.invocations} invocations, ${r.redelivered} redelivered, ${r.failedRequests} failed requests${codes(r)}, ${(r.durationMs / 1000).toFixed(1)} s` +
    (r.notes.length > 0 ? `; ${r.notes.join('; ')}` : '')
  );
}

function codes(r: FaultReport): string {
  const entries = Object.entries(r.failureCodes);
  return entries.length === 0 ? '' : ` (${entries.map(([code, n]) => `${code} ${n}`).join(', ')})`;
}
