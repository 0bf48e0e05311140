import { describe, expect, it } from 'vitest';
import { resolveExtendedPayloads } from '../../../lib/lambda/sqs/extended-payloads.ts';
import { MappingError } from '../../../lib/mapping/errors.ts';
import { extendedPayloadPointer, withPayload } from '../../../lib/mapping/sqs-extended-payload.ts';
import { sqsRecord } from '../../support/sqs-events.ts';
import { MemoryS3 } from '../scheduled/memory-s3.ts';

const SIZE = { ExtendedPayloadSize: { dataType: 'Number', stringValue: '300000' } };
const LEGACY_SIZE = { SQSLargePayloadSize: { dataType: 'Number', stringValue: '300000' } };
const pointer = (cls: string, bucket: string, key: string) =>
  JSON.stringify([cls, { s3BucketName: bucket, s3Key: key }]);

describe('extendedPayloadPointer', () => {
  it('reads the pointer of the payload-offloading library and of the 1.x Java client', () => {
    const current = sqsRecord(pointer('software.amazon.payloadoffloading.PayloadS3Pointer', 'b', 'k/1'), {
      attributes: SIZE,
    });
    const legacy = sqsRecord(pointer('com.amazon.sqs.javamessaging.MessageS3Pointer', 'b', 'k/2'), {
      attributes: LEGACY_SIZE,
    });
    expect(extendedPayloadPointer(current)).toEqual({ bucket: 'b', key: 'k/1' });
    expect(extendedPayloadPointer(legacy)).toEqual({ bucket: 'b', key: 'k/2' });
  });

  it('leaves an ordinary record alone, even one whose body looks like a pointer', () => {
    const lookalike = pointer('software.amazon.payloadoffloading.PayloadS3Pointer', 'b', 'k');
    expect(extendedPayloadPointer(sqsRecord(lookalike))).toBeUndefined();
    expect(extendedPayloadPointer(sqsRecord('{"plain":true}'))).toBeUndefined();
  });

  it.each([
    ['not JSON', 'hello'],
    ['another class', pointer('com.example.Pointer', 'b', 'k')],
    ['no key', JSON.stringify(['software.amazon.payloadoffloading.PayloadS3Pointer', { s3BucketName: 'b' }])],
  ])('refuses a marked record whose body is %s', (_, body) => {
    expect(() => extendedPayloadPointer(sqsRecord(body, { attributes: SIZE }))).toThrow(MappingError);
  });

  it("gives the record the payload as body, without the extended client's attribute", () => {
    const record = sqsRecord(pointer('software.amazon.payloadoffloading.PayloadS3Pointer', 'b', 'k'), {
      attributes: { ...SIZE, tenant: { dataType: 'String', stringValue: 't-1' } },
    });
    const restored = withPayload(record, Buffer.from('the real body'));
    expect(restored.body).toBe('the real body');
    expect(Object.keys(restored.messageAttributes)).toEqual(['tenant']);
    expect(record.messageAttributes.ExtendedPayloadSize).toBeDefined(); // the original is untouched
  });
});

describe('resolveExtendedPayloads', () => {
  it('fetches each pointer, fails only the records whose payload cannot be read', async () => {
    const s3 = new MemoryS3('payloads');
    s3.put('ok', 'offloaded body');
    const records = [
      sqsRecord('inline'),
      sqsRecord(pointer('software.amazon.payloadoffloading.PayloadS3Pointer', 'payloads', 'ok'), {
        attributes: SIZE,
      }),
      sqsRecord(pointer('software.amazon.payloadoffloading.PayloadS3Pointer', 'payloads', 'gone'), {
        attributes: SIZE,
      }),
      sqsRecord('not a pointer', { attributes: SIZE }),
    ];

    const resolved = await resolveExtendedPayloads(records, () => s3);

    expect(resolved[0]).toBe(records[0]);
    expect((resolved[1] as { body: string }).body).toBe('offloaded body');
    expect((resolved[2] as Error).message).toBe('the extended payload s3://payloads/gone does not exist');
    expect(resolved[3]).toBeInstanceOf(MappingError);
    expect(s3.calls.getObject).toBe(2);
  });

  it('fails the record, not the batch, when S3 itself fails', async () => {
    const s3 = new MemoryS3('elsewhere');
    const record = sqsRecord(pointer('software.amazon.payloadoffloading.PayloadS3Pointer', 'payloads', 'k'), {
      attributes: SIZE,
    });
    const [resolved] = await resolveExtendedPayloads([record], () => s3);
    expect((resolved as Error).message).toMatch(
      /^reading the extended payload s3:\/\/payloads\/k failed: NoSuchBucket/,
    );
  });

  it('fails the record when the read outlasts the invocation (the signal ends it)', async () => {
    // S3 that never answers until the caller gives up, as a hung endpoint does.
    const hung = new MemoryS3('payloads');
    hung.getObject = (_bucket: string, _key: string, signal?: AbortSignal) =>
      new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    const record = sqsRecord(pointer('software.amazon.payloadoffloading.PayloadS3Pointer', 'payloads', 'k'), {
      attributes: SIZE,
    });
    const [resolved] = await resolveExtendedPayloads([record], () => hung, AbortSignal.timeout(20));
    expect((resolved as Error).message).toMatch(
      /^reading the extended payload s3:\/\/payloads\/k failed: .*aborted due to timeout/,
    );
  });

  it('does not touch S3 when no record is offloaded', async () => {
    const resolved = await resolveExtendedPayloads([sqsRecord('a')], () => {
      throw new Error('S3 must not be used');
    });
    expect(resolved).toHaveLength(1);
  });
});
