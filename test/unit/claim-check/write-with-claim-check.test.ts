import { describe, expect, it } from 'vitest';
import type { ClaimCheckConfig } from '../../../lib/config/claim-check-config.ts';
import { ClaimCheckError, writeWithClaimCheck } from '../../../lib/lambda/claim-check.ts';
import type { S3Api } from '../../../lib/lambda/s3-api.ts';
import { BrokerError, MessageTooLargeError, WriteErrors } from '../../../lib/writer/errors.ts';
import type { Message } from '../../../lib/writer/message.ts';
import type { RecordMetadata } from '../../../lib/writer/writer.ts';
import { MemoryS3 } from '../scheduled/memory-s3.ts';

const config: ClaimCheckConfig = { bucket: 'claims', prefix: '', thresholdBytes: 8 };
const big = (tag: string): Message => ({ topic: 't', key: tag, value: `${tag}-${'x'.repeat(20)}` });
const small = (tag: string): Message => ({ topic: 't', key: tag, value: tag });

/** A bucket whose PUTs fail for values containing `failing` (S3 failures on demand). */
function bucket(failing?: string): { s3: S3Api; memory: MemoryS3 } {
  const memory = new MemoryS3('claims');
  const s3 = Object.assign(Object.create(memory), {
    async putObject(b: string, key: string, body: Buffer) {
      if (failing && body.toString().includes(failing)) throw new Error('ServiceUnavailable');
      await memory.putObject(b, key, body);
    },
  }) as S3Api;
  return { s3, memory };
}

/** The Writer's part: records every call, acknowledges every message. */
function acknowledging() {
  const calls: Message[][] = [];
  const write = async (messages: readonly Message[]): Promise<RecordMetadata[]> => {
    calls.push([...messages]);
    return messages.map((_, i) => ({ topic: 't', partition: 0, offset: String(i) }));
  };
  return { calls, write };
}

describe('writeWithClaimCheck', () => {
  it('stores big values before writing, and writes every message', async () => {
    const { s3, memory } = bucket();
    const { calls, write } = acknowledging();
    const order: string[] = [];
    const tracked = Object.assign(Object.create(s3), {
      putObject: async (...args: Parameters<S3Api['putObject']>) => {
        order.push('put');
        await s3.putObject(...args);
      },
    }) as S3Api;
    const records = await writeWithClaimCheck(
      [small('a'), big('b')],
      config,
      async (m) => {
        order.push('write');
        return write(m);
      },
      { s3: tracked },
    );
    expect(records).toHaveLength(2);
    expect(order).toEqual(['put', 'write']);
    expect(memory.objects.size).toBe(1);
    expect(calls[0]?.[0]?.value).toBe('a');
    expect(String(calls[0]?.[1]?.value)).toMatch(/^s3:\/\/claims\/t\/values\/[0-9a-f]{64}$/);
  });

  it('fails the message whose value S3 did not take and holds back the later ones of its topic', async () => {
    const { s3 } = bucket('b-');
    const { calls, write } = acknowledging();
    const other = (tag: string): Message => ({ topic: 'u', key: tag, value: tag });
    const failure = await writeWithClaimCheck([small('a'), big('b'), small('c'), other('d')], config, write, {
      s3,
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WriteErrors);
    const { errors, records } = failure as WriteErrors;
    // c after the failed b on the same topic would be written before b's retry: held back too.
    expect(errors.map((e) => e?.constructor.name)).toEqual([
      undefined,
      'ClaimCheckError',
      'ClaimCheckError',
      undefined,
    ]);
    expect(errors.every((e) => e === undefined || (e as ClaimCheckError).mayBeDelivered === false)).toBe(
      true,
    );
    expect((errors[2] as ClaimCheckError).retriable).toBe(true);
    expect(records.map((r) => r?.offset)).toEqual(['0', undefined, undefined, '1']);
    expect(calls.map((c) => c.map((m) => m.key))).toEqual([['a', 'd']]);
  });

  it('writes nothing after a failed value when the order must hold (FIFO)', async () => {
    const { s3 } = bucket('b-');
    const { calls, write } = acknowledging();
    const failure = (await writeWithClaimCheck([small('a'), big('b'), small('c')], config, write, {
      s3,
      keepOrder: true,
    }).catch((e: unknown) => e)) as WriteErrors;
    expect(failure.errors.map((e) => e instanceof ClaimCheckError)).toEqual([false, true, true]);
    expect(calls.map((c) => c.map((m) => m.key))).toEqual([['a']]);
  });

  it("writes nothing at all when the call's only value cannot be stored", async () => {
    const { s3 } = bucket('b-');
    const { calls, write } = acknowledging();
    const failure = (await writeWithClaimCheck([big('b')], config, write, { s3 }).catch(
      (e: unknown) => e,
    )) as WriteErrors;
    expect(failure.errors[0]).toBeInstanceOf(ClaimCheckError);
    expect(calls).toEqual([]);
  });

  it("merges the Writer's own failures with the claim check's, index-aligned", async () => {
    const { s3 } = bucket('b-');
    const broker = new BrokerError('down', 'KafkaJSConnectionError', 3, { retriable: true });
    const write = async (messages: readonly Message[]): Promise<RecordMetadata[]> => {
      throw new WriteErrors(
        messages.map((m) => (m.key === 'c' ? broker : undefined)),
        messages.map((m) => (m.key === 'c' ? undefined : { topic: 't', partition: 0, offset: '7' })),
      );
    };
    // c is on another topic, so b's failure does not hold it back; the Writer then fails it.
    const c: Message = { topic: 'u', key: 'c', value: 'c' };
    const failure = (await writeWithClaimCheck([small('a'), big('b'), c], config, write, {
      s3,
    }).catch((e: unknown) => e)) as WriteErrors;
    expect(failure.errors).toEqual([undefined, expect.any(ClaimCheckError), broker]);
    expect(failure.records.map((r) => r?.offset)).toEqual(['7', undefined, undefined]);
  });

  it("names the caller's message in a MessageTooLargeError", async () => {
    const { s3 } = bucket();
    const huge = { topic: 't', key: 'k'.repeat(100), value: 'v' };
    const after = big('z');
    const write = async (messages: readonly Message[]): Promise<RecordMetadata[]> => {
      throw new MessageTooLargeError(messages[0] as Message, messages.slice(1), 200, 100);
    };
    const failure = (await writeWithClaimCheck([huge, after], config, write, { s3 }).catch(
      (e: unknown) => e,
    )) as MessageTooLargeError;
    expect(failure).toBeInstanceOf(MessageTooLargeError);
    expect(failure.tooLarge).toBe(huge);
    expect(failure.remaining).toEqual([after]);
    expect(failure.remaining[0]).toBe(after);
  });

  it('passes a whole-call failure through unchanged when every value was stored', async () => {
    const { s3 } = bucket();
    const closed = new Error('closed');
    const failure = await writeWithClaimCheck([big('b')], config, async () => Promise.reject(closed), {
      s3,
    }).catch((e: unknown) => e);
    expect(failure).toBe(closed);
  });
});
