/** One partition as a Metadata response describes it. */
export interface PartitionMetadata {
  partitionId: number;
  /** -1 while the partition has no leader. */
  leader: number;
  errorCode: number;
}

/** One topic as a Metadata response describes it. */
export interface TopicMetadata {
  topic: string;
  errorCode: number;
  partitions: PartitionMetadata[];
}

/** What a topic looks like to the Writer after the last refresh. */
export type TopicView =
  /** Never asked about yet. */
  | { state: 'unasked' }
  /** Asked about, and the cluster does not have it. */
  | { state: 'absent' }
  | { state: 'ready'; partitions: number[] }
  | { state: 'error'; errorCode: number };

const UNKNOWN_TOPIC_OR_PARTITION = 3;

/**
 * The cluster's topics as data, errors kept: kafkajs' parser throws on the first topic or
 * partition error of a Metadata response, so one leaderless partition or one deleted topic the
 * Writer once used would fail every topic. Here each topic and partition carries its own error:
 * a leaderless partition fails only the messages routed to it, a deleted topic only itself, and
 * topics that disappear are dropped from the list the Writer asks about.
 */
export class MetadataTable {
  private readonly topics = new Map<string, TopicMetadata>();
  private readonly wanted = new Set<string>();
  private readonly absent = new Set<string>();
  private refreshedAtMs = Number.NEGATIVE_INFINITY;

  /** Topics to ask about in the next refresh. */
  get targets(): string[] {
    return [...this.wanted];
  }

  /**
   * Adds a topic to the refresh list; returns whether the table has no usable answer for it (never
   * asked, or absent last time: it may have been created since, so ask again).
   */
  want(topic: string): boolean {
    this.wanted.add(topic);
    return !this.topics.has(topic);
  }

  /** Whether the table is older than `maxAgeMs`. */
  isOlderThan(maxAgeMs: number, nowMs = Date.now()): boolean {
    return nowMs - this.refreshedAtMs > maxAgeMs;
  }

  /**
   * Takes the answer to a Metadata request for `requested`: topics the cluster does not have are
   * forgotten and no longer asked about (a deleted topic must not fail later refreshes).
   */
  update(requested: readonly string[], topics: readonly TopicMetadata[], nowMs = Date.now()): void {
    const answered = new Set<string>();
    for (const topic of topics) {
      if (topic.errorCode === UNKNOWN_TOPIC_OR_PARTITION) continue;
      answered.add(topic.topic);
      this.topics.set(topic.topic, topic);
      this.absent.delete(topic.topic);
    }
    for (const topic of requested) {
      if (answered.has(topic)) continue;
      this.topics.delete(topic);
      this.wanted.delete(topic);
      this.absent.add(topic);
    }
    this.refreshedAtMs = nowMs;
  }

  /** What the Writer may do with a topic: its partition ids (ascending), or why not. */
  view(topic: string): TopicView {
    const metadata = this.topics.get(topic);
    if (!metadata) return this.absent.has(topic) ? { state: 'absent' } : { state: 'unasked' };
    // A topic-level error with partitions listed (none in practice) still names its partitions.
    if (metadata.errorCode !== 0 && metadata.partitions.length === 0) {
      return { state: 'error', errorCode: metadata.errorCode };
    }
    if (metadata.partitions.length === 0) return { state: 'error', errorCode: 5 };
    const ids = metadata.partitions.map((p) => p.partitionId).sort((a, b) => a - b);
    return { state: 'ready', partitions: ids };
  }

  /** The partition's leader, or its error code when it has none (e.g. LEADER_NOT_AVAILABLE). */
  leaderOf(topic: string, partition: number): { leader: number } | { errorCode: number } {
    const metadata = this.topics.get(topic);
    const found = metadata?.partitions.find((p) => p.partitionId === partition);
    if (!found) return { errorCode: UNKNOWN_TOPIC_OR_PARTITION };
    if (found.leader < 0) return { errorCode: found.errorCode !== 0 ? found.errorCode : 5 };
    return { leader: found.leader };
  }

  /** Forgets everything (the Writer disconnected). */
  clear(): void {
    this.topics.clear();
    this.absent.clear();
    this.refreshedAtMs = Number.NEGATIVE_INFINITY;
  }
}
