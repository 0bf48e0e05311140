import { describe, expect, it } from 'vitest';
import {
  InvalidMessageError,
  MessageTooLargeError,
  MissingTopicError,
  TopicConflictError,
} from '../../../lib/writer/errors.ts';
import type { Message } from '../../../lib/writer/message.ts';
import { RECORD_OVERHEAD_BYTES, resolveMessages } from '../../../lib/writer/resolve-messages.ts';

const NOW = 1_700_000_000_000;

describe('resolveMessages', () => {
  it.each<[string, Message['key'], Buffer | null]>([
    ['undefined key is a nil key', undefined, null],
    ['null key is a nil key', null, null],
    ['empty string is an empty key', '', Buffer.alloc(0)],
    ['empty buffer is an empty key', Buffer.alloc(0), Buffer.alloc(0)],
    ['string is UTF-8', 'ключ', Buffer.from('ключ', 'utf8')],
    ['Uint8Array is kept byte for byte', new Uint8Array([0, 255]), Buffer.from([0, 255])],
  ])('%s', (_name, key, expected) => {
    const [resolved] = resolveMessages([{ key, value: 'v' }], 't', 1_000_000, NOW);
    expect(resolved?.key).toEqual(expected);
  });

  it('takes the topic from the writer or from the message', () => {
    expect(resolveMessages([{ value: 'v' }], 'writer-topic', 1e6, NOW)[0]?.topic).toBe('writer-topic');
    expect(resolveMessages([{ topic: 'msg-topic', value: 'v' }], undefined, 1e6, NOW)[0]?.topic).toBe(
      'msg-topic',
    );
  });

  it('rejects both topics set, naming the message', () => {
    expect(() => resolveMessages([{ value: 'a' }, { topic: 'x', value: 'b' }], 'w', 1e6, NOW)).toThrow(
      TopicConflictError,
    );
  });

  it('rejects neither topic set, naming the message', () => {
    expect(() => resolveMessages([{ topic: 'x', value: 'a' }, { value: 'b' }], undefined, 1e6, NOW)).toThrow(
      /message 1 has no topic/,
    );
    expect(() => resolveMessages([{ value: 'b' }], undefined, 1e6, NOW)).toThrow(MissingTopicError);
  });

  it('counts key, value and headers in the size', () => {
    const [resolved] = resolveMessages([{ key: 'ab', value: 'cde', headers: { h: 'xy' } }], 't', 1e6, NOW);
    expect(resolved?.size).toBe(RECORD_OVERHEAD_BYTES + 2 + 3 + (1 + 2 + 8));
  });

  it('keeps a header named __proto__ as an own entry', () => {
    const headers = JSON.parse('{"__proto__":"p","constructor":"c"}') as Message['headers'];
    const [resolved] = resolveMessages([{ value: 'v', headers }], 't', 1e6, NOW);
    expect(Object.entries(resolved?.headers ?? {})).toEqual([
      ['__proto__', Buffer.from('p')],
      ['constructor', Buffer.from('c')],
    ]);
  });

  it('rejects a message over batchBytes with it and the remaining messages', () => {
    const messages: Message[] = [{ value: 'ok' }, { value: 'x'.repeat(200) }, { value: 'rest' }];
    try {
      resolveMessages(messages, 't', 100, NOW);
      expect.unreachable('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(MessageTooLargeError);
      expect((error as MessageTooLargeError).tooLarge).toBe(messages[1]);
      expect((error as MessageTooLargeError).remaining).toEqual([messages[2]]);
      expect((error as MessageTooLargeError).limitBytes).toBe(100);
    }
  });

  it('uses the message time, or now', () => {
    const time = new Date('2020-01-01T00:00:00Z');
    const [withTime, withoutTime] = resolveMessages([{ value: 'a', time }, { value: 'b' }], 't', 1e6, NOW);
    expect(withTime?.timestampMs).toBe(time.getTime());
    expect(withoutTime?.timestampMs).toBe(NOW);
  });

  it.each<[string, unknown]>([
    ['a number value', { value: 42 }],
    ['an object key', { key: { a: 1 }, value: 'v' }],
    ['a null header', { value: 'v', headers: { h: null } }],
    ['an invalid date', { value: 'v', time: new Date('nope') }],
    ['not an object', 'just a string'],
  ])('rejects %s with InvalidMessageError', (_name, message) => {
    expect(() => resolveMessages([message as Message], 't', 1e6, NOW)).toThrow(InvalidMessageError);
  });
});
