import { setTimeout as sleep } from 'node:timers/promises';
import {
  BrokerError,
  type Message,
  WriteAbortedError,
  WriteErrors,
  type WriteOptions,
  type Writer,
  WriterError,
} from '../../lib/index.ts';

/** What a Writer told its caller about one message. */
export type Verdict = 'acknowledged' | 'not-delivered' | 'maybe-delivered';

/** A ledger's messages held against what a topic holds. */
export interface DeliveryAudit {
  acknowledged: number;
  notDelivered: number;
  maybeDelivered: number;
  /** Acknowledged, yet not in the topic. */
  lost: string[];
  /** In the topic more than once. */
  duplicated: string[];
  /** Reported `mayBeDelivered: false` (or failed before sending), yet in the topic. */
  notDeliveredButWritten: string[];
  /** In the topic, but never written through this ledger. */
  foreign: string[];
}

/**
 * Per-message accounting for fault tests: every message written through `write()` gets the
 * verdict its call reported (acknowledged, or failed with `mayBeDelivered` true or false), and
 * `audit()` holds those verdicts against the values consumed from the topic. Values must be
 * unique: a value is the message's identity.
 */
export class DeliveryLedger {
  private readonly verdicts = new Map<string, Verdict>();
  /** How often each kind of failure was reported, e.g. `BrokerError NOT_LEADER_OR_FOLLOWER (maybe)`. */
  readonly failures = new Map<string, number>();
  /** Rejections that are not WriterErrors: the Writer's contract has none. */
  readonly unexpected: unknown[] = [];

  /**
   * Writes `messages` and records each one's verdict. Never rejects: resolves with the call's
   * error, or undefined when every message was acknowledged.
   */
  async write(writer: Writer, messages: Message[], options: WriteOptions = {}): Promise<Error | undefined> {
    const values = messages.map((m) => String(m.value));
    for (const value of values) {
      if (this.verdicts.has(value)) throw new Error(`value ${value} written twice through one ledger`);
    }
    try {
      const records = await writer.writeMessages(messages, options);
      if (records.length !== messages.length)
        throw new Error(`${records.length} records for ${values.length}`);
      for (const value of values) this.verdicts.set(value, 'acknowledged');
      return undefined;
    } catch (error) {
      values.forEach((value, i) => {
        const failure = error instanceof WriteErrors ? error.errors[i] : error;
        this.verdicts.set(value, failure === undefined ? 'acknowledged' : this.judge(failure as Error));
      });
      return error as Error;
    }
  }

  /** How many messages got `verdict`. */
  count(verdict: Verdict): number {
    return [...this.verdicts.values()].filter((v) => v === verdict).length;
  }

  /** How many failures of one kind (see `failures`) whose key contains `text` were reported. */
  failuresMatching(text: string): number {
    let total = 0;
    for (const [key, n] of this.failures) if (key.includes(text)) total += n;
    return total;
  }

  /** Holds the verdicts against `consumed`, the values read back from the topic (duplicates kept). */
  audit(consumed: ReadonlyArray<string | undefined>): DeliveryAudit {
    const copies = new Map<string, number>();
    for (const value of consumed) {
      if (value !== undefined) copies.set(value, (copies.get(value) ?? 0) + 1);
    }
    const audit: DeliveryAudit = {
      acknowledged: this.count('acknowledged'),
      notDelivered: this.count('not-delivered'),
      maybeDelivered: this.count('maybe-delivered'),
      lost: [],
      duplicated: [],
      notDeliveredButWritten: [],
      foreign: [],
    };
    for (const [value, verdict] of this.verdicts) {
      const n = copies.get(value) ?? 0;
      if (verdict === 'acknowledged' && n === 0) audit.lost.push(value);
      if (verdict === 'not-delivered' && n > 0) audit.notDeliveredButWritten.push(value);
      if (n > 1) audit.duplicated.push(value);
    }
    for (const value of copies.keys()) if (!this.verdicts.has(value)) audit.foreign.push(value);
    return audit;
  }

  private judge(failure: Error): Verdict {
    if (failure instanceof BrokerError || failure instanceof WriteAbortedError) {
      const code = failure instanceof BrokerError ? failure.code : failure.reason;
      const key = `${failure.name} ${code} (${failure.mayBeDelivered ? 'maybe' : 'not delivered'})`;
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
      return failure.mayBeDelivered ? 'maybe-delivered' : 'not-delivered';
    }
    // Every other WriterError is raised before a request carrying the message was sent
    // (validation, unknown topic, "not sent: an earlier batch of the partition failed").
    this.failures.set(failure.name, (this.failures.get(failure.name) ?? 0) + 1);
    if (!(failure instanceof WriterError)) this.unexpected.push(failure);
    return 'not-delivered';
  }
}

/** Options of writeContinuously. */
export interface ContinuousWriteOptions {
  /** One loop per entry (a partition may repeat); each message's key is its partition (see `byKey`). */
  partitions: readonly number[];
  /** Makes values unique across loops and tests. */
  prefix: string;
  /** Messages per call. @default 3 */
  perCall?: number;
  /** Every call's `timeoutMs`. @default none */
  timeoutMs?: number;
  /** For a Writer without a topic. */
  topic?: string;
}

/** Loops writing until stopped; `stop()` resolves once every loop's last call has settled. */
export interface ContinuousWrites {
  stop(): Promise<void>;
}

/**
 * One loop per entry of `partitions`, each writing `perCall` messages per sync call, one call
 * after another, every message's verdict going to `ledger`. A failed call is followed by a short
 * pause so a Writer failing fast does not spin.
 */
export function writeContinuously(
  writer: Writer,
  ledger: DeliveryLedger,
  options: ContinuousWriteOptions,
): ContinuousWrites {
  let running = true;
  const loops = options.partitions.map(async (partition, loop) => {
    for (let call = 0; running; call++) {
      const messages = Array.from({ length: options.perCall ?? 3 }, (_, i) => ({
        ...(options.topic ? { topic: options.topic } : {}),
        key: String(partition),
        value: `${options.prefix}-l${loop}-p${partition}-c${call}-m${i}`,
      }));
      const { timeoutMs } = options;
      const failed = await ledger.write(writer, messages, timeoutMs === undefined ? {} : { timeoutMs });
      if (failed) await sleep(50);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Routes each message to the partition its key names: keys '0', '1', ... */
export const byKey = { balance: (message: { key: Buffer | null }) => Number(String(message.key)) };
