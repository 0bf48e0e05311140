/** A proxy as Toxiproxy describes it. */
export interface ProxyInfo {
  name: string;
  /** host:port Toxiproxy listens on. */
  listen: string;
  /** host:port it forwards to. */
  upstream: string;
  enabled: boolean;
  toxics: Toxic[];
}

/** What a caller passes to create a proxy. */
export interface ProxyOptions {
  name: string;
  listen: string;
  upstream: string;
  /** @default true */
  enabled?: boolean;
}

/** Which way a toxic acts: upstream is client -> server, downstream is server -> client. */
export type ToxicStream = 'upstream' | 'downstream';

/**
 * The toxics this harness uses, with Toxiproxy's own attribute names. Times are milliseconds,
 * `rate` is KB/s, `bytes` is the count after which limit_data closes the connection.
 */
export type ToxicSpec =
  | { type: 'latency'; attributes: { latency: number; jitter?: number } }
  /** Drops all data; closes after `timeout` ms, or never (a black hole) when 0. */
  | { type: 'timeout'; attributes: { timeout: number } }
  /** Resets (RST) the connection after `timeout` ms, 0 = at once. */
  | { type: 'reset_peer'; attributes: { timeout: number } }
  | { type: 'bandwidth'; attributes: { rate: number } }
  | { type: 'slow_close'; attributes: { delay: number } }
  | { type: 'limit_data'; attributes: { bytes: number } };

/** A toxic to add: the spec plus where and how often it applies. */
export type ToxicOptions = ToxicSpec & {
  /** @default `${type}_${stream}` (Toxiproxy's own default) */
  name?: string;
  /** @default 'downstream' */
  stream?: ToxicStream;
  /** Fraction of connections affected, 0..1. @default 1 */
  toxicity?: number;
};

/** A toxic as Toxiproxy describes it. */
export type Toxic = ToxicSpec & { name: string; stream: ToxicStream; toxicity: number };

/** Bytes a proxy received so far, per direction (from Toxiproxy's -proxy-metrics counters). */
export interface ProxyBytes {
  upstream: number;
  downstream: number;
}

/** A Toxiproxy API call that answered with an error status. */
export class ToxiproxyApiError extends Error {
  readonly status: number;
  readonly retriable = false;

  constructor(message: string, status: number) {
    super(message);
    this.name = 'ToxiproxyApiError';
    this.status = status;
  }
}
