// Types for the few kafkajs 2.2.4 internals the transport uses. kafkajs is frozen upstream
// (the package is pinned to 2.2.4 exactly), so these modules will not move under us.

declare module 'kafkajs/src/cluster/index.js' {
  import type { Logger } from 'kafkajs';
  export interface InternalPartitionMetadata {
    partitionId: number;
    leader: number;
    partitionErrorCode: number;
  }
  export interface InternalBroker {
    nodeId: number | null;
    lookupRequest(
      apiKey: number,
      definition: unknown,
    ): (request: Record<string, unknown>) => InternalProtocolRequest;
    connectionPool: {
      host: string;
      port: number;
      pool: InternalConnection[];
      send(request: InternalProtocolRequest): Promise<unknown>;
      /** The connection `send` would use for `request`, connected (not yet authenticated). */
      getConnectionByRequest(request: InternalProtocolRequest): Promise<InternalConnection>;
    };
    disconnect(): Promise<void>;
  }
  /** One socket of a broker's connection pool. */
  export interface InternalConnection {
    socket?: { destroy(): void; write(data: Buffer, encoding: 'binary'): boolean } | null;
    clientId: string | null;
    rejectRequests(error: Error): void;
    isAuthenticated(): boolean;
    authenticate(): Promise<void>;
    failIfNotConnected(): void;
    nextCorrelationId(): number;
    requestQueue: {
      push(request: {
        entry: {
          apiKey: number;
          apiName: string;
          apiVersion: number;
          correlationId: number;
          resolve(answer: { payload: Buffer | null }): void;
          reject(error: unknown): void;
        };
        expectResponse: boolean;
        requestTimeout: number | null;
        sendRequest(): void;
      }): void;
      maybeThrottle(clientSideThrottleTimeMs: number | undefined): void;
    };
  }
  export interface InternalProtocolRequest {
    response: { decode(data: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> };
    [key: string]: unknown;
  }
  /** kafkajs' BrokerPool: the seed broker and one Broker per node id. */
  export interface BrokerPool {
    seedBroker: InternalBroker | undefined;
    brokers: Record<string, InternalBroker>;
    versions: unknown;
    rootLogger: unknown;
    connectionPoolBuilder: {
      build(address: {
        host: string;
        port: number;
        rack?: string | null;
      }): Promise<InternalBroker['connectionPool']>;
    };
    createBroker(options: Record<string, unknown>): InternalBroker;
    connect(): Promise<void>;
    findBroker(options: { nodeId: number }): Promise<InternalBroker>;
    findConnectedBroker(): Promise<InternalBroker>;
  }
  export default class Cluster {
    constructor(options: Record<string, unknown>);
    brokerPool: BrokerPool;
    connect(): Promise<void>;
    disconnect(): Promise<void>;
    findBroker(options: { nodeId: number }): Promise<InternalBroker>;
    logger: Logger;
  }
}

declare module 'kafkajs/src/protocol/requests/index.js' {
  const protocol: { requests: { Produce: unknown; Metadata: unknown; InitProducerId: unknown } };
  export default protocol;
}

declare module 'kafkajs/src/protocol/requests/apiKeys.js' {
  const apiKeys: { Produce: number; Metadata: number; InitProducerId: number };
  export default apiKeys;
}

declare module 'kafkajs/src/protocol/error.js' {
  export function createErrorFromCode(code: number): Error & { type: string; retriable: boolean };
}

declare module 'kafkajs/src/loggers/index.js' {
  import type { logCreator, logLevel } from 'kafkajs';
  export function createLogger(options: { level: logLevel; logCreator: logCreator }): unknown;
  /** kafkajs' `logLevel`. */
  export const LEVELS: typeof logLevel;
}

declare module 'kafkajs/src/protocol/message/compression/index.js' {
  import type { CompressionCodecs, CompressionTypes } from 'kafkajs';
  /** kafkajs' `CompressionCodecs` registry (the same object). */
  export const Codecs: typeof CompressionCodecs;
  /** kafkajs' `CompressionTypes`. */
  export const Types: typeof CompressionTypes;
}

declare module 'kafkajs/src/protocol/encoder.js' {
  /** kafkajs' request encoder; its request layer reads `buf` up to `offset`. */
  export default class Encoder {
    constructor(initialSize?: number);
    buf: Buffer;
    offset: number;
  }
}
