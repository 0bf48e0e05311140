import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** What @aws-crypto/sha256-js accepts: strings are UTF-8. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/**
 * @aws-crypto/sha256-js's `Sha256` (SHA-256, or HMAC-SHA256 with a secret) over node:crypto, for
 * the MSK IAM signer in Lambda bundles: the same answers (test/cdk/bundling.test.ts compares them)
 * from the runtime's native hash instead of ~12 KiB of pure JavaScript in every IAM bundle.
 */
export class Sha256 {
  private hash: Hash | Hmac;
  private result: Uint8Array | undefined;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  /** Adds data; empty data changes nothing, as in the original. */
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }

  /** The digest; asking again returns the same bytes, as the original does. */
  digestSync(): Uint8Array {
    this.result ??= new Uint8Array(this.hash.digest());
    return this.result;
  }

  /** The digest, as a promise (the SDK's Checksum interface). */
  async digest(): Promise<Uint8Array> {
    return this.digestSync();
  }

  /** Starts over with the same secret. */
  reset(): void {
    this.hash = this.fresh();
    this.result = undefined;
  }

  private fresh(): Hash | Hmac {
    // The original keys an HMAC only with a truthy secret ('' means a plain hash).
    return this.secret ? createHmac('sha256', bytesOf(this.secret)) : createHash('sha256');
  }
}
