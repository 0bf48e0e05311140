import { describe, expect, it } from 'vitest';
import { FrameError, unframeValue } from '../../support/judges/esm-unframe.ts';
import { confluentFrame, glueFrame } from '../../support/judges/reference-frames.ts';

// The one step of the Powertools judge that is ours (Lambda's event source mapping does it in
// AWS): taking the registry header off. It must read the documented layouts exactly and refuse
// anything else, or the judge could pass a record no consumer can read.
describe('unframeValue (the event source mapping step of the Powertools judge)', () => {
  const payload = Buffer.from([0x06, 0x6f, 0x2d, 0x31]);

  it('takes magic byte 0 and a big-endian 4-byte id off a Confluent value', () => {
    const frame = Buffer.concat([Buffer.from([0x00, 0x01, 0x02, 0x03, 0x04]), payload]);
    expect(unframeValue(frame, 'confluent')).toEqual({ schemaId: String(0x01020304), payload });
  });

  it('leaves the Protobuf message-index array in place, as Lambda does', () => {
    const frame = confluentFrame(7, payload, [0, 0]);
    expect(unframeValue(frame, 'confluent')).toEqual({
      schemaId: '7',
      payload: Buffer.concat([Buffer.from([4, 0, 0]), payload]),
    });
  });

  it('takes the 18-byte header off a Glue value and writes its UUID as Lambda reports it', () => {
    const uuid = Buffer.from('b7e151628aed2a6abf7158809cf4f3c7', 'hex');
    const frame = Buffer.concat([Buffer.from([0x03, 0x00]), uuid, payload]);
    expect(unframeValue(frame, 'glue')).toEqual({
      schemaId: 'b7e15162-8aed-2a6a-bf71-58809cf4f3c7',
      payload,
    });
  });

  it('inflates a zlib-compressed Glue value', () => {
    const frame = glueFrame('b7e15162-8aed-2a6a-bf71-58809cf4f3c7', payload, { zlib: true });
    expect(frame[1]).toBe(5);
    expect(unframeValue(frame, 'glue').payload).toEqual(payload);
  });

  it.each([
    ['confluent', Buffer.from([0, 0, 0, 1]), /at least 5 bytes, this one 4/],
    ['confluent', Buffer.from([3, 0, 0, 0, 1, 9]), /magic byte 0, this one with 3/],
    ['glue', Buffer.alloc(17, 3), /at least 18 bytes, this one 17/],
    ['glue', Buffer.concat([Buffer.from([0, 0]), Buffer.alloc(16)]), /header version 3, this one with 0/],
    ['glue', Buffer.concat([Buffer.from([3, 1]), Buffer.alloc(16)]), /compression byte .* this one is 1/],
    [
      'glue',
      Buffer.concat([Buffer.from([3, 5]), Buffer.alloc(16), Buffer.from('not zlib')]),
      /does not inflate/,
    ],
  ] as const)('refuses a %s value it cannot read: %s', (framing, value, message) => {
    expect(() => unframeValue(value, framing)).toThrow(FrameError);
    expect(() => unframeValue(value, framing)).toThrow(message);
  });
});
