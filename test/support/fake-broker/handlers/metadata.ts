import { ERROR_CODES } from '../constants.ts';
import type { WireReader } from '../protocol/wire-reader.ts';
import { WireWriter } from '../protocol/wire-writer.ts';
import type { PartitionState, TopicState } from '../state/cluster-state.ts';
import type { HandlerResult, NodeContext, RequestHeader } from './node-context.ts';

/** A topic as one Metadata answer lists it. */
interface TopicAnswer {
  errorCode: number;
  name: string;
  partitions: PartitionState[];
}

/**
 * Metadata v0-v6. v0 reads an empty topic list as "all topics", v1+ a null one (and an empty
 * one as none). Topics are never auto-created: an unknown one gets UNKNOWN_TOPIC_OR_PARTITION
 * whatever allow_auto_topic_creation (v4+) says. A partition without a leader reports
 * LEADER_NOT_AVAILABLE unless a test set another error for it.
 */
export function handleMetadata(node: NodeContext, header: RequestHeader, body: WireReader): HandlerResult {
  const v = header.apiVersion;
  const requested = body.nullableArray((r) => r.string());
  if (v >= 4) body.boolean(); // allow_auto_topic_creation
  const all = requested === null || (v === 0 && requested.length === 0);
  const topics = all ? node.cluster.allTopics().map(answerFor) : requested.map((name) => lookup(node, name));

  const w = new WireWriter();
  if (v >= 3) w.int32(0); // throttle_time_ms
  w.array(node.advertisedNodes(), (w, n) => {
    w.int32(n.nodeId).nullableString(n.host).int32(n.port);
    if (v >= 1) w.nullableString(null); // rack
  });
  if (v >= 2) w.nullableString(node.clusterId);
  if (v >= 1) w.int32(node.controllerId);
  w.array(topics, (w, topic) => {
    w.int16(topic.errorCode).nullableString(topic.name);
    if (v >= 1) w.boolean(false); // is_internal
    w.array(topic.partitions, (w, p) => {
      w.int16(partitionError(p)).int32(p.id).int32(p.leader).int32Array(p.replicas).int32Array(p.isr);
      if (v >= 5) w.int32Array([]); // offline_replicas
    });
  });
  return { kind: 'respond', body: w.toBuffer() };
}

function lookup(node: NodeContext, name: string): TopicAnswer {
  const topic = node.cluster.topic(name);
  if (!topic) return { errorCode: ERROR_CODES.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] };
  return answerFor(topic);
}

/** A topic with an error lists no partitions, as Kafka answers a topic still being created. */
function answerFor(topic: TopicState): TopicAnswer {
  return {
    errorCode: topic.errorCode,
    name: topic.name,
    partitions: topic.errorCode === ERROR_CODES.NONE ? topic.partitions : [],
  };
}

function partitionError(p: PartitionState): number {
  if (p.errorCode !== ERROR_CODES.NONE) return p.errorCode;
  return p.leader === -1 ? ERROR_CODES.LEADER_NOT_AVAILABLE : ERROR_CODES.NONE;
}
