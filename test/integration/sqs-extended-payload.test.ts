import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { consumeWithKcat } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { sqsHandlerOn } from '../support/sqs-handler.ts';
import { countRecords, createTopic } from '../support/topics.ts';

const brokers = inject('kafkaBrokers');
// The handler's S3 client is built with no options, as in Lambda: moto stands behind the environment.
useMoto();
const BUCKET = 'extended-payloads';
let s3: S3Client;
beforeAll(async () => {
  s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

/** A record as the SQS Extended Client sends one whose body it stored at `key`. */
function offloaded(key: string, size: number, id: string) {
  return sqsRecord(
    JSON.stringify([
      'software.amazon.payloadoffloading.PayloadS3Pointer',
      { s3BucketName: BUCKET, s3Key: key },
    ]),
    {
      id,
      attributes: {
        ExtendedPayloadSize: { dataType: 'Number', stringValue: String(size) },
        tenant: { dataType: 'String', stringValue: 't-1' },
      },
    },
  );
}

describe('SQS Extended Client payloads on moto S3 and a real broker', () => {
  it('writes the payload from S3 in place of the pointer; a payload that is gone fails its record alone', async () => {
    const topic = await createTopic(brokers, { partitions: 3 });
    const payload = JSON.stringify({ order: 'o-1', lines: 'x'.repeat(300_000) });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'orders/o-1', Body: payload }));
    const { handler, warmWriter } = sqsHandlerOn(brokers, topic, {
      // A topic's default 1 MB limit holds the 300 KB payload.
      KAFKA_BATCH_BYTES: String(4 * 1024 * 1024),
    });
    const records = [
      sqsRecord('inline body', { id: 'inline' }),
      offloaded('orders/o-1', Buffer.byteLength(payload), 'offloaded'),
      offloaded('orders/deleted', 10, 'gone'),
    ];

    const response = await handler(sqsEvent(records), lambdaContext() as never);
    await warmWriter.close();

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'gone' }]);
    const written = await consumeWithKcat(brokers, topic, { count: 2 });
    const byId = new Map(written.map((r) => [r.headers['sqs-message-id']?.toString(), r]));
    expect(byId.get('offloaded')?.value?.toString()).toBe(payload);
    expect(byId.get('offloaded')?.headers.tenant?.toString()).toBe('t-1');
    expect(byId.get('offloaded')?.headers.ExtendedPayloadSize).toBeUndefined();
    expect(byId.get('inline')?.value?.toString()).toBe('inline body');
    expect(await countRecords(brokers, topic)).toBe(2);
  });
});
