import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ClaimCheckConfig } from '../../../lib/config/claim-check-config.ts';
import {
  claimCheckObjectKey,
  LARGE_MESSAGE_HEADERS,
  LargeMessageFlag,
  planClaimCheck,
} from '../../../lib/mapping/claim-check.ts';
import type { Message } from '../../../lib/writer/message.ts';
import { decodeLargeMessageValue } from '../../support/bakdata-large-message.ts';

const config: ClaimCheckConfig = { bucket: 'claims', prefix: 'kafka/', thresholdBytes: 10 };
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

describe('planClaimCheck', () => {
  it.each([
    ['a value of exactly the threshold stays inline', 'x'.repeat(10), false],
    ['a value one byte over the threshold is offloaded', 'x'.repeat(11), true],
    ['the threshold counts UTF-8 bytes, not characters', 'é'.repeat(6), true],
    ['an empty value stays inline', '', false],
  ])('%s', (_what, value, offloaded) => {
    const plan = planClaimCheck({ topic: 'orders', value }, config);
    expect(plan.offload !== undefined).toBe(offloaded);
    expect(plan.message.headers?.[LARGE_MESSAGE_HEADERS.value]).toEqual(
      Buffer.of(offloaded ? LargeMessageFlag.Backed : LargeMessageFlag.Inline),
    );
  });

  it("keeps an inline value's bytes exactly, and the message's other fields", () => {
    const message: Message = {
      topic: 'orders',
      key: 'k-1',
      value: Buffer.from([0x01, 0xff, 0x00]),
      headers: { tenant: 't-1' },
      time: new Date(0),
    };
    const plan = planClaimCheck(message, config);
    expect(plan.message).toEqual({
      ...message,
      headers: { tenant: 't-1', '__large.message.backed.value': Buffer.of(0) },
    });
    expect(plan.message.value).toBe(message.value);
  });

  it("offloads a value under bakdata's key layout and carries its s3:// URI", () => {
    const value = Buffer.alloc(64, 7);
    const plan = planClaimCheck({ topic: 'orders', key: 'k-1', value, headers: { tenant: 't-1' } }, config);
    const key = `kafka/orders/values/${sha256(value)}`;
    expect(plan.offload).toEqual({ bucket: 'claims', key, body: value });
    expect(plan.message.value).toEqual(Buffer.from(`s3://claims/${key}`, 'utf8'));
    expect(plan.message.key).toBe('k-1');
    expect(plan.message.headers).toEqual({ tenant: 't-1', '__large.message.backed.value': Buffer.of(1) });
  });

  it('offloads Uint8Array views and strings by their bytes', () => {
    const backing = new Uint8Array(40).fill(3);
    const view = backing.subarray(5, 25);
    expect(planClaimCheck({ topic: 't', value: view }, config).offload?.body).toEqual(Buffer.alloc(20, 3));
    expect(planClaimCheck({ topic: 't', value: 'ü'.repeat(8) }, config).offload?.body).toEqual(
      Buffer.from('ü'.repeat(8)),
    );
  });

  it('never offloads a key, however large, nor marks it', () => {
    const plan = planClaimCheck({ topic: 'orders', key: 'k'.repeat(1000), value: 'small' }, config);
    expect(plan.offload).toBeUndefined();
    expect(plan.message.key).toBe('k'.repeat(1000));
    expect(plan.message.headers?.[LARGE_MESSAGE_HEADERS.key]).toBeUndefined();
  });

  it('replaces a flag header the source already carried', () => {
    const plan = planClaimCheck(
      { topic: 'orders', value: 'small', headers: { [LARGE_MESSAGE_HEADERS.value]: Buffer.of(1) } },
      config,
    );
    expect(plan.message.headers?.[LARGE_MESSAGE_HEADERS.value]).toEqual(Buffer.of(0));
  });

  it.each([
    ['a tombstone (null value)', { topic: 'orders', value: null }],
    ['a message without a topic (the Writer refuses it)', { value: 'x'.repeat(100) }],
  ] as Array<[string, Message]>)('leaves %s untouched', (_what, message) => {
    expect(planClaimCheck(message, config)).toEqual({ message, offload: undefined });
  });

  it('names the same object for the same bytes, so a retry does not leave a second copy', () => {
    const a = claimCheckObjectKey('', 'orders', Buffer.from('same'));
    expect(claimCheckObjectKey('', 'orders', Buffer.from('same'))).toBe(a);
    expect(claimCheckObjectKey('', 'orders', Buffer.from('other'))).not.toBe(a);
    expect(a).toBe(`orders/values/${sha256('same')}`);
  });

  it("uses bakdata's header names for key and value", () => {
    expect(LARGE_MESSAGE_HEADERS).toEqual({
      key: '__large.message.backed.key',
      value: '__large.message.backed.value',
    });
  });
});

describe("records as bakdata's LargeMessageDeserializer reads them", () => {
  const headersOf = (message: Message) =>
    Object.entries(message.headers ?? {}).map(([name, value]) => ({
      name,
      value: Buffer.from(value as Buffer),
    }));

  it('an inline record decodes to its own bytes, also when they start with a flag-like byte', () => {
    const value = Buffer.from([0x01, 0x02, 0x03]);
    const { message } = planClaimCheck({ topic: 't', value }, config);
    expect(decodeLargeMessageValue(Buffer.from(message.value as Buffer), headersOf(message))).toEqual({
      inline: value,
    });
  });

  it('an offloaded record decodes to the object it names', () => {
    const { message, offload } = planClaimCheck({ topic: 't', value: Buffer.alloc(50, 9) }, config);
    expect(decodeLargeMessageValue(Buffer.from(message.value as Buffer), headersOf(message))).toEqual({
      bucket: 'claims',
      key: offload?.key,
    });
  });
});
