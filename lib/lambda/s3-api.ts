import { ObjectChangedError } from './scheduled/errors.ts';
import type { S3Tag } from './scheduled/object-progress.ts';

/** An object as a listing shows it. */
export interface ListedObject {
  key: string;
  size: number;
  /** As S3 returns it (quoted). */
  etag: string;
}

/**
 * The S3 calls the bridge makes (the scheduled NDJSON source, SQS Extended Client payloads, the
 * claim check): a seam so their logic can be tested on an in-memory bucket, while the
 * integration tests run it on moto through the real SDK.
 */
export interface S3Api {
  /** One page of ListObjectsV2, keys in ascending UTF-8 byte order (general purpose buckets). */
  listObjects(
    bucket: string,
    prefix: string,
    continuationToken: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ objects: ListedObject[]; next: string | undefined }>;
  /**
   * Bytes `start` to `endInclusive` of the object, only if its ETag is still `etag` (throws
   * ObjectChangedError when it is not): resolves once S3 has answered, with the body's bytes in
   * the pieces they arrive in, read as the caller asks for them. Ending the iteration early
   * closes the response; so must a caller that does not iterate it.
   */
  getRange(
    bucket: string,
    key: string,
    etag: string,
    start: number,
    endInclusive: number,
    signal?: AbortSignal,
  ): Promise<AsyncIterable<Buffer>>;
  getTags(bucket: string, key: string, signal?: AbortSignal): Promise<S3Tag[]>;
  /** Replaces the object's whole tag set (S3 has no per-tag update). */
  putTags(bucket: string, key: string, tags: readonly S3Tag[]): Promise<void>;
  /** A small object's body and ETag (the run lease); `undefined` when there is no such object. */
  getObject(bucket: string, key: string, signal?: AbortSignal): Promise<StoredObject | undefined>;
  /** Writes (or replaces) an object; resolves once S3 has stored it. */
  putObject(bucket: string, key: string, body: Buffer, signal?: AbortSignal): Promise<void>;
  /**
   * A conditional write, atomic in S3: `{ ifNoneMatch: '*' }` creates the object only if there is
   * none, `{ ifMatch: etag }` replaces it only if it is still that version. Returns the new ETag,
   * or `undefined` when the condition did not hold (another writer came first).
   */
  putObjectIf(
    bucket: string,
    key: string,
    body: string,
    condition: WriteCondition,
  ): Promise<string | undefined>;
}

/** A whole object as getObject returns it. */
export interface StoredObject {
  body: Buffer;
  /** As S3 returns it (quoted). */
  etag: string;
}

/** The precondition of a conditional write. */
export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string };

/**
 * The errors S3 answers a conditional write with when another writer won: 412 (the condition
 * failed), 409 (a concurrent conditional write to the key was in flight) and, for If-Match on a
 * key deleted meanwhile, 404.
 */
const LOST_RACE = new Set(['PreconditionFailed', 'ConditionalRequestConflict', 'NoSuchKey', 'NotFound']);

type S3Module = typeof import('@aws-sdk/client-s3');

let loaded: Promise<{ sdk: S3Module; client: InstanceType<S3Module['S3Client']> }> | undefined;

/**
 * The S3 API over the AWS SDK v3 client. The SDK is imported on first use, so functions that do
 * not read S3 never load it (cold start); one client per container, configured by the
 * environment (region, credentials, AWS_ENDPOINT_URL), like every SDK client Lambda creates.
 */
export function sdkS3Api(): S3Api {
  return {
    async listObjects(bucket, prefix, continuationToken, signal) {
      const { sdk, client } = await s3();
      const page = await client.send(
        new sdk.ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix === '' ? undefined : prefix,
          ContinuationToken: continuationToken,
        }),
        { abortSignal: signal },
      );
      return {
        objects: (page.Contents ?? []).map((o) => ({
          key: o.Key ?? '',
          size: o.Size ?? 0,
          etag: o.ETag ?? '',
        })),
        next: page.IsTruncated ? page.NextContinuationToken : undefined,
      };
    },
    async getRange(bucket, key, etag, start, endInclusive, signal) {
      const { sdk, client } = await s3();
      try {
        const response = await client.send(
          new sdk.GetObjectCommand({
            Bucket: bucket,
            Key: key,
            Range: `bytes=${start}-${endInclusive}`,
            IfMatch: etag,
          }),
          { abortSignal: signal },
        );
        return piecesOf(response.Body as AsyncIterable<Uint8Array> | undefined);
      } catch (error) {
        if ((error as { name?: string }).name === 'PreconditionFailed') {
          throw new ObjectChangedError(bucket, key, error);
        }
        throw error;
      }
    },
    async getTags(bucket, key, signal) {
      const { sdk, client } = await s3();
      const response = await client.send(new sdk.GetObjectTaggingCommand({ Bucket: bucket, Key: key }), {
        abortSignal: signal,
      });
      return (response.TagSet ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
    },
    async putTags(bucket, key, tags) {
      const { sdk, client } = await s3();
      await client.send(
        new sdk.PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: [...tags] } }),
      );
    },
    async getObject(bucket, key, signal) {
      const { sdk, client } = await s3();
      try {
        const response = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), {
          abortSignal: signal,
        });
        const body = asBuffer(await response.Body?.transformToByteArray());
        return { body, etag: response.ETag ?? '' };
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async putObject(bucket, key, body, signal) {
      const { sdk, client } = await s3();
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/octet-stream',
        }),
        { abortSignal: signal },
      );
    },
    async putObjectIf(bucket, key, body, condition) {
      const { sdk, client } = await s3();
      try {
        const response = await client.send(
          new sdk.PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: 'application/json',
            ...('ifNoneMatch' in condition
              ? { IfNoneMatch: condition.ifNoneMatch }
              : { IfMatch: condition.ifMatch }),
          }),
        );
        return response.ETag ?? '';
      } catch (error) {
        if (LOST_RACE.has((error as { name?: string }).name ?? '')) return undefined;
        throw error;
      }
    },
  };
}

/** Forgets the container's S3 client (tests that move the endpoint). */
export function clearS3Client(): void {
  loaded = undefined;
}

function s3(): Promise<{ sdk: S3Module; client: InstanceType<S3Module['S3Client']> }> {
  loaded ??= import('@aws-sdk/client-s3')
    .then((sdk) => ({ sdk, client: new sdk.S3Client({}) }))
    .catch((error: unknown) => {
      // A failed load is not cached: the next call tries again.
      loaded = undefined;
      throw error;
    });
  return loaded;
}

/**
 * A response body's pieces as Buffers over the same memory. Not collected into one array (the
 * SDK's `transformToByteArray`): an 8 MiB range then existed twice, as the socket's pieces and as
 * their copy, and the whole of it lived as long as its last line did.
 */
async function* piecesOf(body: AsyncIterable<Uint8Array> | undefined): AsyncGenerator<Buffer> {
  if (!body) return;
  for await (const piece of body) yield Buffer.isBuffer(piece) ? piece : asBuffer(piece);
}

/**
 * A body's bytes as a Buffer over the same memory: `Buffer.from(array)` would copy them.
 */
function asBuffer(bytes: Uint8Array | undefined): Buffer {
  if (!bytes) return Buffer.alloc(0);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
