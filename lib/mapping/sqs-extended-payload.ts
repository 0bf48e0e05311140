import type { SQSRecord } from 'aws-lambda';
import { MappingError } from './errors.ts';

/**
 * Message attributes the Amazon SQS Extended Client Library sets on a message whose body it put in
 * S3: `ExtendedPayloadSize` (payload-offloading library, Java 2.x and Python), `SQSLargePayloadSize`
 * (Java 1.x). Their value is the payload's size in bytes.
 */
export const EXTENDED_PAYLOAD_ATTRIBUTES = ['ExtendedPayloadSize', 'SQSLargePayloadSize'] as const;

/** Pointer classes the extended clients write as the body's first element. */
const POINTER_CLASSES = new Set([
  'software.amazon.payloadoffloading.PayloadS3Pointer',
  'com.amazon.sqs.javamessaging.MessageS3Pointer',
]);

/** Where an extended client stored a record's body. */
export interface S3Pointer {
  readonly bucket: string;
  readonly key: string;
}

/**
 * The S3 location of a record's payload if an extended client offloaded it (pure): the record
 * carries one of EXTENDED_PAYLOAD_ATTRIBUTES and its body is
 * `["<pointer class>",{"s3BucketName":"…","s3Key":"…"}]`. Undefined for an ordinary record.
 * Throws MappingError when the attribute says offloaded but the body is no pointer: that record
 * can never be published as it is.
 */
export function extendedPayloadPointer(record: SQSRecord): S3Pointer | undefined {
  const attributes = record.messageAttributes ?? {};
  const marked = EXTENDED_PAYLOAD_ATTRIBUTES.some((name) => Object.hasOwn(attributes, name));
  if (!marked) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.body);
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.length === 2 && POINTER_CLASSES.has(parsed[0])) {
    const { s3BucketName, s3Key } = (parsed[1] ?? {}) as Record<string, unknown>;
    if (
      typeof s3BucketName === 'string' &&
      s3BucketName !== '' &&
      typeof s3Key === 'string' &&
      s3Key !== ''
    ) {
      return { bucket: s3BucketName, key: s3Key };
    }
  }
  throw new MappingError(
    `record ${record.messageId} carries an extended-payload attribute but its body is not an S3 pointer`,
  );
}

/** The record as the sender sent it: the payload as its body, without the extended client's attribute. */
export function withPayload(record: SQSRecord, payload: Buffer): SQSRecord {
  const messageAttributes = { ...record.messageAttributes };
  for (const name of EXTENDED_PAYLOAD_ATTRIBUTES) delete messageAttributes[name];
  return { ...record, body: payload.toString('utf8'), messageAttributes };
}
