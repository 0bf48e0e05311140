import { createHash } from 'node:crypto';
import type { ListedObject, S3Api, WriteCondition } from '../../../lib/lambda/s3-api.ts';
import { ObjectChangedError } from '../../../lib/lambda/scheduled/errors.ts';
import type { S3Tag } from '../../../lib/lambda/scheduled/object-progress.ts';

interface StoredObject {
  body: Buffer;
  etag: string;
  tags: S3Tag[];
}

/**
 * One S3 bucket in memory with S3's semantics where the NDJSON source relies on them: listings
 * sorted by key and paged, ranged GETs conditional on the ETag, an overwrite that drops the tags,
 * conditional writes (If-None-Match: *, If-Match) applied atomically.
 * For the source's corner cases; the integration tests run the same source on moto.
 */
export class MemoryS3 implements S3Api {
  readonly objects = new Map<string, StoredObject>();
  readonly calls = {
    list: 0,
    getRange: 0,
    getTags: 0,
    putTags: 0,
    getObject: 0,
    putObject: 0,
    putObjectIf: 0,
  };
  /** Every tag set written, per key, in order. */
  readonly tagHistory = new Map<string, S3Tag[][]>();
  /** Called before each ranged GET: tests change the object or fail the call here. */
  beforeGetRange: ((key: string, start: number) => void) | undefined;
  /**
   * Bytes into a ranged GET's body after which it breaks off (a connection S3 closed), per
   * GET; undefined: the body arrives whole.
   */
  breakBodyAfter: ((key: string, start: number) => number | undefined) | undefined;
  /** Bodies whose reading was ended or broken off before their last piece. */
  closedEarly = 0;

  constructor(
    readonly bucket = 'data',
    private readonly pageSize = 1000,
    /** A body arrives in pieces of this many bytes, as a socket hands them over. */
    private readonly pieceBytes = 7,
  ) {}

  put(key: string, body: string | Buffer, tags: S3Tag[] = []): void {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
    this.objects.set(key, { body: bytes, etag, tags: [...tags] });
  }

  tags(key: string): Record<string, string> {
    return Object.fromEntries((this.objects.get(key)?.tags ?? []).map((t) => [t.Key, t.Value]));
  }

  async listObjects(bucket: string, prefix: string, token: string | undefined) {
    this.calls.list++;
    this.check(bucket);
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const start = token === undefined ? 0 : Number(token);
    const page = keys.slice(start, start + this.pageSize);
    const objects: ListedObject[] = page.map((key) => {
      const o = this.objects.get(key) as StoredObject;
      return { key, size: o.body.length, etag: o.etag };
    });
    const next = start + this.pageSize < keys.length ? String(start + this.pageSize) : undefined;
    return { objects, next };
  }

  async getRange(bucket: string, key: string, etag: string, start: number, endInclusive: number) {
    this.calls.getRange++;
    this.check(bucket);
    this.beforeGetRange?.(key, start);
    const o = this.objects.get(key);
    if (!o || o.etag !== etag) throw new ObjectChangedError(bucket, key);
    const bytes = Buffer.from(o.body.subarray(start, endInclusive + 1));
    return this.piecesOf(bytes, this.breakBodyAfter?.(key, start));
  }

  private async *piecesOf(bytes: Buffer, breakAfter: number | undefined): AsyncGenerator<Buffer> {
    let done = false;
    try {
      for (let at = 0; at < bytes.length; at += this.pieceBytes) {
        if (breakAfter !== undefined && at >= breakAfter) throw new Error('socket hang up');
        yield bytes.subarray(at, Math.min(bytes.length, at + this.pieceBytes));
      }
      done = true;
    } finally {
      if (!done) this.closedEarly++;
    }
  }

  async getTags(bucket: string, key: string) {
    this.calls.getTags++;
    this.check(bucket);
    return [...(this.objects.get(key)?.tags ?? [])];
  }

  async putTags(bucket: string, key: string, tags: readonly S3Tag[]) {
    this.calls.putTags++;
    this.check(bucket);
    const o = this.objects.get(key);
    if (!o) throw new Error(`NoSuchKey: ${key}`);
    if (tags.length > 10) throw new Error('BadRequest: Object tags cannot be greater than 10');
    o.tags = [...tags];
    this.tagHistory.set(key, [...(this.tagHistory.get(key) ?? []), [...tags]]);
  }

  async getObject(bucket: string, key: string) {
    this.calls.getObject++;
    this.check(bucket);
    const o = this.objects.get(key);
    return o === undefined ? undefined : { body: Buffer.from(o.body), etag: o.etag };
  }

  async putObject(bucket: string, key: string, body: Buffer) {
    this.calls.putObject++;
    this.check(bucket);
    this.put(key, body);
  }

  async putObjectIf(bucket: string, key: string, body: string, condition: WriteCondition) {
    this.calls.putObjectIf++;
    this.check(bucket);
    const existing = this.objects.get(key);
    const holds = 'ifNoneMatch' in condition ? existing === undefined : existing?.etag === condition.ifMatch;
    if (!holds) return undefined;
    this.put(key, body);
    return this.objects.get(key)?.etag;
  }

  private check(bucket: string): void {
    if (bucket !== this.bucket) throw new Error(`NoSuchBucket: ${bucket}`);
  }
}
