import type { ApiName } from './constants.ts';
import type { NodeContext } from './handlers/node-context.ts';
import { Scripting } from './scripting.ts';
import { dispatch } from './server/dispatch.ts';
import { NodeServer } from './server/node-server.ts';
import { ClusterState, type CreateTopicOptions } from './state/cluster-state.ts';
import type { StoredRecord } from './state/partition-log.ts';
import type { ProducerEntry } from './state/producer-state.ts';
import type {
  FakeKafkaClusterOptions,
  InitProducerIdHook,
  ProduceHook,
  RequestHook,
  RequestLogEntry,
} from './types.ts';

const HOST = '127.0.0.1';

/**
 * A fake Kafka cluster for the faults a real broker cannot be made to produce on demand: N nodes
 * (ids 1..N), each on its own port, sharing one store. It speaks the wire protocol (ApiVersions,
 * Metadata, InitProducerId, Produce) and applies Kafka's idempotent-producer rules (KIP-98), so
 * real clients (kafkajs, the Writer) talk to it over TCP; hooks script each request's fate.
 *
 * The constructor does no I/O; `start()` listens, `stop()` closes every socket.
 *
 * @example
 * const fake = await startFakeKafkaCluster({ nodes: 3, topics: { events: 3 } });
 * fake.onProduce(({ attempt }) => (attempt === 1 ? { appendThenError: ERROR_CODES.NOT_LEADER_OR_FOLLOWER } : 'append'));
 * // ...produce to fake.brokers with an idempotent client...
 * expect(fake.records('events', 0)).toHaveLength(1);
 * await fake.stop();
 */
export class FakeKafkaCluster {
  /** Node ids, 1..nodes. */
  readonly nodeIds: readonly number[];
  private readonly state: ClusterState;
  private readonly scripting = new Scripting();
  private readonly servers: NodeServer[];
  private readonly failures: unknown[] = [];
  private started = false;

  constructor(options: FakeKafkaClusterOptions = {}) {
    const nodes = options.nodes ?? 1;
    if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`nodes must be >= 1, not ${nodes}`);
    this.nodeIds = Array.from({ length: nodes }, (_, i) => i + 1);
    const controllerId = options.controllerId ?? 1;
    if (!this.nodeIds.includes(controllerId)) throw new Error(`controllerId ${controllerId} is not a node`);
    this.state = new ClusterState(
      this.nodeIds,
      options.unknownProducerId ?? 'reject',
      options.firstProducerId ?? 1000,
    );
    for (const [name, partitions] of Object.entries(options.topics ?? {}))
      this.state.createTopic(name, partitions);

    const clusterId = options.clusterId ?? 'fake-kafka-cluster';
    const onError = (error: unknown) => this.failures.push(error);
    this.servers = this.nodeIds.map((nodeId) => {
      const context: NodeContext = {
        nodeId,
        cluster: this.state,
        scripting: this.scripting,
        controllerId,
        clusterId,
        advertisedNodes: () => this.servers.map((s) => ({ nodeId: s.nodeId, host: s.host, port: s.port })),
      };
      return new NodeServer(nodeId, HOST, (frame) => dispatch(context, frame), onError);
    });
  }

  /** Listens on every node. */
  async start(): Promise<this> {
    if (this.started) throw new Error('the fake cluster is already started');
    this.started = true;
    await Promise.all(this.servers.map((s) => s.listen()));
    return this;
  }

  /** Closes every node and every client socket; safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
  }

  /** Bootstrap addresses, `127.0.0.1:port` per node in id order. */
  get brokers(): string[] {
    return this.servers.map((s) => `${s.host}:${s.port}`);
  }

  /** Scripts every partition batch of every Produce request; returns a function that removes it. */
  onProduce(hook: ProduceHook): () => void {
    this.scripting.produceHook = hook;
    return () => {
      if (this.scripting.produceHook === hook) this.scripting.produceHook = undefined;
    };
  }

  /** Scripts every InitProducerId request; returns a function that removes it. */
  onInitProducerId(hook: InitProducerIdHook): () => void {
    this.scripting.initProducerIdHook = hook;
    return () => {
      if (this.scripting.initProducerIdHook === hook) this.scripting.initProducerIdHook = undefined;
    };
  }

  /** Scripts every request of any API before its handler; returns a function that removes it. */
  onRequest(hook: RequestHook): () => void {
    this.scripting.requestHook = hook;
    return () => {
      if (this.scripting.requestHook === hook) this.scripting.requestHook = undefined;
    };
  }

  /** Removes every hook and forgets attempt counts and the request log. */
  resetScripting(): void {
    this.scripting.clear();
  }

  /** Creates a topic, partitions led round-robin from node 1 unless `options.leaders` says otherwise. */
  createTopic(name: string, partitions: number, options?: CreateTopicOptions): void {
    this.state.createTopic(name, partitions, options);
  }

  /** Deletes a topic and its logs: Metadata and Produce then answer UNKNOWN_TOPIC_OR_PARTITION. */
  deleteTopic(name: string): void {
    this.state.deleteTopic(name);
  }

  /**
   * Moves a partition's leadership (-1: no leader). Producer state moves with the log, as
   * Kafka replicates it; requests still in flight at the old leader get NOT_LEADER_OR_FOLLOWER
   * if they have not appended yet.
   */
  setLeader(topic: string, partition: number, nodeId: number): void {
    this.state.requireNode(nodeId);
    const p = this.state.requirePartition(topic, partition);
    p.leader = nodeId;
    if (nodeId !== -1 && !p.replicas.includes(nodeId)) p.replicas.unshift(nodeId);
    if (nodeId !== -1 && !p.isr.includes(nodeId)) p.isr.unshift(nodeId);
  }

  /** The partition's leader (-1: none). */
  leaderOf(topic: string, partition: number): number {
    return this.state.requirePartition(topic, partition).leader;
  }

  /** An error code Metadata reports for the partition (0 clears it); Produce is not affected. */
  setPartitionError(topic: string, partition: number, errorCode: number): void {
    this.state.requirePartition(topic, partition).errorCode = errorCode;
  }

  /** An error code Metadata reports for the topic, listing no partitions (0 clears it); Produce is not affected. */
  setTopicError(topic: string, errorCode: number): void {
    this.state.requireTopic(topic).errorCode = errorCode;
  }

  /** Destroys the client sockets of one node, or of all; the nodes keep listening. */
  closeConnections(nodeId?: number): void {
    for (const server of this.servers)
      if (nodeId === undefined || server.nodeId === nodeId) server.closeConnections();
  }

  /** Every record in the partition's log, oldest first. */
  records(topic: string, partition: number): StoredRecord[] {
    return this.state.requirePartition(topic, partition).log.records.map((r) => ({ ...r }));
  }

  /** A producer's KIP-98 state in the partition: its epoch and last five batches. */
  producerState(topic: string, partition: number, producerId: number): ProducerEntry | undefined {
    return this.state.requirePartition(topic, partition).log.producers.entry(producerId);
  }

  /** Drops a producer's state in the partition, as retention would (its next batch is from an unknown producer). */
  forgetProducer(topic: string, partition: number, producerId: number): void {
    this.state.requirePartition(topic, partition).log.producers.forget(producerId);
  }

  /** Every request received, in arrival order, until `resetScripting()`. */
  get requests(): readonly RequestLogEntry[] {
    return this.scripting.requestLog;
  }

  /** Connections open now to a node (every node when omitted). */
  openConnections(nodeId?: number): number {
    return this.servers
      .filter((server) => nodeId === undefined || server.nodeId === nodeId)
      .reduce((sum, server) => sum + server.openConnections, 0);
  }

  /**
   * Requests a node (every node when omitted) has received whole but not handled yet, because its
   * connection is still answering an earlier one: a client pipelining requests shows here.
   */
  waitingRequests(nodeId?: number): number {
    return this.servers
      .filter((server) => nodeId === undefined || server.nodeId === nodeId)
      .reduce((sum, server) => sum + server.waitingRequests, 0);
  }

  /** How many requests of an API (all APIs when omitted) a node (all when omitted) received. */
  requestCount(apiName?: ApiName, nodeId?: number): number {
    return this.scripting.requestLog.filter(
      (r) => (apiName === undefined || r.apiName === apiName) && (nodeId === undefined || r.node === nodeId),
    ).length;
  }

  /** Errors thrown while handling requests (a hook's included); each closed its connection. */
  get errors(): readonly unknown[] {
    return this.failures;
  }
}

/** Creates a fake cluster and starts it. */
export function startFakeKafkaCluster(options?: FakeKafkaClusterOptions): Promise<FakeKafkaCluster> {
  return new FakeKafkaCluster(options).start();
}
