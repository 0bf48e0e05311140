import { setTimeout as sleep } from 'node:timers/promises';

/** A message as a receive hands it out. */
export interface QueuedMessage {
  id: string;
  body: string;
  /** When it was sent to the queue (SQS SentTimestamp). */
  sentAt: number;
  /** How many times it has been received, this time included (SQS ApproximateReceiveCount). */
  receiveCount: number;
}

export interface MemoryQueueOptions {
  /** How long a received message stays hidden before it is handed out again. */
  visibilityTimeoutMs: number;
  /** Receives after which a message moves to the dead-letter queue (SQS redrive maxReceiveCount). */
  maxReceiveCount: number;
}

interface Entry {
  body: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
}

/**
 * An in-process stand-in for an SQS queue with a redrive policy, for the paths that carry 100,000
 * messages (moto's SQS costs O(queue depth) per call, so it cannot). The semantics that matter for
 * counting are SQS's: a received message is hidden for the visibility timeout and comes back unless
 * deleted; nothing but a delete removes it; a message received more than maxReceiveCount times
 * moves to the dead-letter queue instead of being handed out.
 */
export class MemoryQueue {
  private readonly entries = new Map<string, Entry>();
  /** Ids moved to the dead-letter queue. */
  readonly deadLetters = new Set<string>();
  private feeding = true;

  constructor(private readonly options: MemoryQueueOptions) {}

  send(id: string, body: string): void {
    this.entries.set(id, { body, sentAt: Date.now(), visibleAt: 0, receiveCount: 0 });
  }

  /** No more sends will come: the queue is finished once it is empty. */
  endOfFeed(): void {
    this.feeding = false;
  }

  get finished(): boolean {
    return !this.feeding && this.entries.size === 0;
  }

  /** Ids still in the queue (visible or not), i.e. failed back and not yet retried. */
  remaining(): string[] {
    return [...this.entries.keys()];
  }

  /** Up to `max` visible messages, hidden for the visibility timeout. */
  receive(max: number): QueuedMessage[] {
    const now = Date.now();
    const out: QueuedMessage[] = [];
    for (const [id, entry] of this.entries) {
      if (out.length >= max) break;
      if (entry.visibleAt > now) continue;
      entry.receiveCount++;
      if (entry.receiveCount > this.options.maxReceiveCount) {
        this.entries.delete(id);
        this.deadLetters.add(id);
        continue;
      }
      entry.visibleAt = now + this.options.visibilityTimeoutMs;
      out.push({ id, body: entry.body, sentAt: entry.sentAt, receiveCount: entry.receiveCount });
    }
    return out;
  }

  /**
   * A batch as Lambda's event source gathers one: waits for a first message, then keeps
   * receiving until the batch is full or the window (counted from the first message) ends.
   * Returns an empty batch once the queue is finished or `stopAt` passes.
   */
  async receiveBatch(max: number, windowMs: number, stopAt: number): Promise<QueuedMessage[]> {
    const batch: QueuedMessage[] = [];
    let windowEnds = Number.POSITIVE_INFINITY;
    while (batch.length < max && Date.now() < windowEnds && Date.now() < stopAt) {
      batch.push(...this.receive(max - batch.length));
      if (batch.length > 0 && windowEnds === Number.POSITIVE_INFINITY) windowEnds = Date.now() + windowMs;
      if (batch.length === 0 && this.finished) break;
      if (batch.length < max) await sleep(20);
    }
    return batch;
  }

  delete(ids: Iterable<string>): void {
    for (const id of ids) this.entries.delete(id);
  }
}
