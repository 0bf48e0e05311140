import { ERROR_CODES } from '../constants.ts';
import { PartitionLog } from './partition-log.ts';
import type { UnknownProducerPolicy } from './producer-state.ts';

/** One partition as the cluster's metadata describes it, with its log. */
export interface PartitionState {
  id: number;
  /** -1 when the partition has no leader. */
  leader: number;
  replicas: number[];
  isr: number[];
  /** Answered in Metadata only (0: none). */
  errorCode: number;
  log: PartitionLog;
}

/** One topic. */
export interface TopicState {
  name: string;
  /** Answered in Metadata only (0: none). */
  errorCode: number;
  partitions: PartitionState[];
}

/** How a topic's partitions are placed. */
export interface CreateTopicOptions {
  /** Leader of each partition by index; @default round-robin over the nodes, partition 0 on node 1 */
  leaders?: readonly number[];
  /** Replicas per partition, the leader first; @default min(3, nodes) */
  replicationFactor?: number;
}

/**
 * Everything the fake nodes share: topics, partition logs with producer state, leadership and
 * the producer id counter. Producer state lives with the log, not with a node, so it survives a
 * leadership move as Kafka's replicated state does.
 */
export class ClusterState {
  private readonly topics = new Map<string, TopicState>();
  private nextProducerId: number;

  constructor(
    readonly nodeIds: readonly number[],
    private readonly unknownProducer: UnknownProducerPolicy,
    firstProducerId: number,
  ) {
    this.nextProducerId = firstProducerId;
  }

  createTopic(name: string, partitions: number, options: CreateTopicOptions = {}): TopicState {
    if (this.topics.has(name)) throw new Error(`topic ${name} already exists`);
    if (!Number.isInteger(partitions) || partitions < 1)
      throw new Error(`partitions must be >= 1, not ${partitions}`);
    const n = this.nodeIds.length;
    const factor = options.replicationFactor ?? Math.min(3, n);
    if (factor < 1 || factor > n) throw new Error(`replicationFactor ${factor} needs 1..${n} nodes`);
    const topic: TopicState = { name, errorCode: ERROR_CODES.NONE, partitions: [] };
    for (let id = 0; id < partitions; id++) {
      const leader = options.leaders?.[id] ?? (this.nodeIds[id % n] as number);
      this.requireNode(leader);
      const start = this.nodeIds.indexOf(leader);
      const replicas = Array.from({ length: factor }, (_, i) => this.nodeIds[(start + i) % n] as number);
      topic.partitions.push({
        id,
        leader,
        replicas,
        isr: [...replicas],
        errorCode: ERROR_CODES.NONE,
        log: new PartitionLog(this.unknownProducer),
      });
    }
    this.topics.set(name, topic);
    return topic;
  }

  deleteTopic(name: string): void {
    if (!this.topics.delete(name)) throw new Error(`topic ${name} does not exist`);
  }

  topic(name: string): TopicState | undefined {
    return this.topics.get(name);
  }

  allTopics(): TopicState[] {
    return [...this.topics.values()];
  }

  partition(topic: string, partition: number): PartitionState | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /** The partition, or an Error naming what is missing (for the scripting API's callers). */
  requirePartition(topic: string, partition: number): PartitionState {
    const state = this.partition(topic, partition);
    if (!state) throw new Error(`no partition ${topic}/${partition}`);
    return state;
  }

  requireTopic(name: string): TopicState {
    const topic = this.topics.get(name);
    if (!topic) throw new Error(`topic ${name} does not exist`);
    return topic;
  }

  /** -1 is allowed: no leader. */
  requireNode(nodeId: number): void {
    if (nodeId !== -1 && !this.nodeIds.includes(nodeId)) {
      throw new Error(`node ${nodeId} is not one of ${this.nodeIds.join(', ')}`);
    }
  }

  /** A fresh producer id for every InitProducerId, as a broker's id block hands them out. */
  allocateProducerId(): number {
    return this.nextProducerId++;
  }
}
