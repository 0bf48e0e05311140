/** Bytes a key or value may be given as; strings are encoded as UTF-8. */
export type MessageBytes = string | Buffer | Uint8Array;

/** A Kafka header value: strings are encoded as UTF-8. */
export type HeaderValue = string | Buffer | Uint8Array;

/**
 * A message to write. Mirrors kafka-go's `Message`: `key` null/undefined is Go's nil key
 * (balancers spread it), `''` or an empty buffer is an empty key (hashed like any other key).
 */
export interface Message {
  /** Target topic; mutually exclusive with the Writer's `topic`. */
  topic?: string;
  key?: MessageBytes | null;
  value: MessageBytes | null;
  headers?: Record<string, HeaderValue | HeaderValue[]>;
  /** Record timestamp; defaults to the time of the write. */
  time?: Date;
}

/** A message after validation: bytes resolved, topic decided. What balancers and codecs see. */
export interface ResolvedMessage {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]> | undefined;
  timestampMs: number;
  /** Key + value + header bytes: what LeastBytes counts and batchBytes limits. */
  size: number;
}
