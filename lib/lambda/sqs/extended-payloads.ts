import type { SQSRecord } from 'aws-lambda';
import { extendedPayloadPointer, withPayload } from '../../mapping/sqs-extended-payload.ts';
import { concurrently } from '../concurrently.ts';
import { type S3Api, sdkS3Api } from '../s3-api.ts';

/** How many payloads are fetched from S3 at once. */
const CONCURRENCY = 8;

/**
 * Each record with its offloaded body fetched from S3 (SQS Extended Client), or the error that
 * keeps that record from being published (a malformed pointer, an object that is gone or cannot
 * be read): index-aligned with `records`. Records without a pointer come back unchanged, and
 * S3 is not touched (nor its SDK loaded) when no record has one. `signal` bounds the reads (the
 * invocation's time): a read it ends fails its record, which returns to the queue.
 */
export async function resolveExtendedPayloads(
  records: readonly SQSRecord[],
  s3: () => S3Api = sdkS3Api,
  signal?: AbortSignal,
): Promise<(SQSRecord | Error)[]> {
  const resolved: (SQSRecord | Error)[] = [...records];
  const pending: { index: number; bucket: string; key: string }[] = [];
  records.forEach((record, index) => {
    try {
      const pointer = extendedPayloadPointer(record);
      if (pointer) pending.push({ index, ...pointer });
    } catch (error) {
      resolved[index] = error as Error;
    }
  });
  if (pending.length === 0) return resolved;
  const api = s3();
  await concurrently(pending, CONCURRENCY, async ({ index, bucket, key }) => {
    try {
      const object = await api.getObject(bucket, key, signal);
      resolved[index] = object
        ? withPayload(records[index] as SQSRecord, object.body)
        : new Error(`the extended payload s3://${bucket}/${key} does not exist`);
    } catch (error) {
      resolved[index] = new Error(
        `reading the extended payload s3://${bucket}/${key} failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  });
  return resolved;
}
