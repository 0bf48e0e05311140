import type { Balancer } from './balancer.ts';
import { NoPartitionsError } from './errors.ts';
import type { BalancerMessage } from './types.ts';

interface TopicCounters {
  /** Partition ids, ascending. */
  partitions: number[];
  /** Bytes assigned so far, index-aligned with `partitions`. */
  bytes: number[];
}

/**
 * Sends each message to the partition this balancer has given the fewest bytes (kafka-go's `LeastBytes`).
 *
 * Why: with messages of very different sizes, counting bytes rather than messages keeps the
 * partitions' data volume even. As in kafka-go, ties go to the lowest partition id, the counts
 * restart when the number of partitions changes, and nothing is coordinated between
 * producers: each one balances only what it sent itself.
 *
 * Two departures, both invisible for a single topic without headers: the bytes counted are
 * `message.size` (key + value + headers, everything that goes on the wire; kafka-go counts key
 * + value), and counts are kept per topic (kafka-go shares one set across topics, and resets it
 * whenever two topics with different partition counts alternate).
 */
export class LeastBytes implements Balancer {
  private readonly topics = new Map<string, TopicCounters>();

  balance(message: BalancerMessage, partitions: readonly number[]): number {
    const count = partitions.length;
    if (count === 0) throw new NoPartitionsError(message.topic);

    let counters = this.topics.get(message.topic);
    if (counters === undefined || counters.partitions.length !== count) {
      counters = {
        partitions: [...partitions].sort((a, b) => a - b),
        bytes: new Array<number>(count).fill(0),
      };
      this.topics.set(message.topic, counters);
    }

    const { bytes } = counters;
    let least = 0;
    for (let i = 1; i < count; i++) {
      if ((bytes[i] as number) < (bytes[least] as number)) least = i;
    }
    bytes[least] = (bytes[least] as number) + message.size;
    return counters.partitions[least] as number;
  }
}
