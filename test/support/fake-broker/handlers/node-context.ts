import type { Scripting } from '../scripting.ts';
import type { ClusterState } from '../state/cluster-state.ts';

/** Where a node listens, as Metadata advertises it. */
export interface AdvertisedNode {
  nodeId: number;
  host: string;
  port: number;
}

/** What a request handler knows about the node it runs on and the cluster around it. */
export interface NodeContext {
  readonly nodeId: number;
  readonly cluster: ClusterState;
  readonly scripting: Scripting;
  readonly controllerId: number;
  readonly clusterId: string;
  advertisedNodes(): readonly AdvertisedNode[];
}

/** Request header v1 (the non-flexible one every implemented version uses). */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * What the connection does with a request: send `body`, send nothing (acks=0), destroy the
 * socket, or go dead (never answer again, keep the socket open).
 */
export type HandlerResult =
  | { kind: 'respond'; body: Buffer }
  | { kind: 'silent' }
  | { kind: 'close' }
  | { kind: 'dead' };
