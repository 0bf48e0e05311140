import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidScheduleInputError } from '../../../lib/lambda/scheduled/errors.ts';
import { createInputSource, parseScheduleInput } from '../../../lib/lambda/scheduled/input-source.ts';
import { findInvalidValues } from '../../../lib/lambda/schema-encoding.ts';
import { SchemaRegistryError } from '../../../lib/schema/value-serializer.ts';
import { TestSerializer } from '../../support/test-serializer.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/scheduled/${name}.json`, import.meta.url), 'utf8'));
const input = fixture('scheduler-input');
const scheduledEvent = fixture('scheduled-event');

function problemsOf(event: unknown, options: { topic?: string } = { topic: 'default-topic' }): string[] {
  try {
    parseScheduleInput(event, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidScheduleInputError);
    expect((error as InvalidScheduleInputError).retriable).toBe(false);
    return [...(error as InvalidScheduleInputError).problems];
  }
  return [];
}

describe('parseScheduleInput', () => {
  it('turns a schedule input into messages: strings as they are, other JSON stringified', () => {
    const messages = parseScheduleInput(input, { topic: 'reports' });
    expect(messages).toEqual([
      { topic: 'reports', key: 'report-2026-11-24', value: '{"report":"daily","date":"2026-11-24"}' },
      { topic: 'reports', key: null, value: '{"report":"weekly","id":"w-47","totals":{"orders":1204}}' },
      {
        topic: 'reports',
        key: 'heartbeat',
        value: 'tick',
        headers: { 'content-type': 'text/plain', 'x-origin': ['scheduler', 'bridge'] },
      },
      { topic: 'audit-topic', key: null, value: '{"event":"schedule-fired"}' },
    ]);
  });

  it.each([
    ['an object value', { value: { id: 'a-1' } }, 'a-1'],
    ['a JSON string value', { value: '{"id":7}' }, '7'],
    ['a JSON string value with a 64-bit id', { value: '{"id":820982911946154511}' }, '820982911946154511'],
    ['a value without the field', { value: { other: 1 } }, null],
    ['a string value that is not JSON', { value: 'plain text' }, null],
    ['an explicit key, which wins', { key: 'mine', value: { id: 'a-1' } }, 'mine'],
    ['an explicit null key, which wins', { key: null, value: { id: 'a-1' } }, null],
    ['a numeric key', { key: 42, value: 'x' }, '42'],
  ])('keys %s by SCHEDULE_KEY', (_, message, key) => {
    const [parsed] = parseScheduleInput(
      { messages: [message] },
      { topic: 't', keyPointer: { pointer: '/id', tokens: ['id'] } },
    );
    expect(parsed?.key).toBe(key);
  });

  it('keeps a header named __proto__ (the input is parsed JSON, where it is an own property)', () => {
    const input = JSON.parse('{"messages":[{"value":"v","headers":{"__proto__":["a","b"],"x":"y"}}]}');
    const [message] = parseScheduleInput(input, { topic: 't' });
    expect(Object.entries(message?.headers ?? {})).toEqual([
      ['__proto__', ['a', 'b']],
      ['x', 'y'],
    ]);
  });

  it('reads messages from the detail of an EventBridge event', () => {
    const event = { ...scheduledEvent, detail: { messages: [{ value: 'from-detail' }] } };
    expect(parseScheduleInput(event, { topic: 't' })).toEqual([
      { topic: 't', key: null, value: 'from-detail' },
    ]);
  });

  it('writes a null value as a tombstone', () => {
    expect(parseScheduleInput({ messages: [{ key: 'gone', value: null }] }, { topic: 't' })).toEqual([
      { topic: 't', key: 'gone', value: null },
    ]);
  });

  it('accepts an empty list', () => {
    expect(parseScheduleInput({ messages: [] }, {})).toEqual([]);
  });

  it.each([
    [
      'a plain cron Scheduled Event',
      scheduledEvent,
      [
        'a plain "Scheduled Event" carries no messages: give the rule target (or the schedule) an Input of the form {"messages": [...]}',
      ],
    ],
    ['no input at all', undefined, ['the input must be a JSON object with a "messages" array']],
    ['a bare array', [{ value: 'x' }], ['the input must be a JSON object with a "messages" array']],
    [
      'messages that is not an array',
      { messages: { value: 'x' } },
      ['the input must be a JSON object with a "messages" array'],
    ],
    ['a message that is not an object', { messages: ['x'] }, ['messages[0] must be an object with a value']],
    [
      'a missing value',
      { messages: [{ key: 'k' }] },
      ['messages[0].value is required (a string, any other JSON value, or null for a tombstone)'],
    ],
    [
      'a misspelt field',
      { messages: [{ vaule: 'x', value: 'y' }] },
      ['messages[0] has unknown field "vaule" (allowed: topic, key, value, headers)'],
    ],
    [
      'a bad topic',
      { messages: [{ topic: 'no spaces allowed', value: 'x' }] },
      ['messages[0].topic must be a Kafka topic name ([a-zA-Z0-9._-], 1 to 249 characters)'],
    ],
    [
      'an object key',
      { messages: [{ key: { id: 1 }, value: 'x' }] },
      ['messages[0].key must be a string, a number or null'],
    ],
    [
      'headers that are not strings',
      { messages: [{ value: 'x', headers: { n: 1 } }] },
      ['messages[0].headers["n"] must be a string or an array of strings'],
    ],
    [
      'headers that are a list',
      { messages: [{ value: 'x', headers: ['a'] }] },
      ['messages[0].headers must be an object of string values'],
    ],
  ])('rejects %s', (_, event, problems) => {
    expect(problemsOf(event)).toEqual(problems);
  });

  it('rejects a message with no topic when KAFKA_TOPIC is not set', () => {
    expect(problemsOf({ messages: [{ value: 'x' }, { topic: 'named', value: 'y' }] }, {})).toEqual([
      'messages[0] names no topic and KAFKA_TOPIC is not set',
    ]);
  });

  it('lists the problems of every message at once, and writes nothing', () => {
    expect(problemsOf({ messages: [{ value: 'ok' }, 7, { value: 'ok', key: true }, {}] })).toEqual([
      'messages[1] must be an object with a value',
      'messages[2].key must be a string, a number or null',
      'messages[3].value is required (a string, any other JSON value, or null for a tombstone)',
    ]);
  });
});

describe('createInputSource', () => {
  it('hands the messages over in batches of SCHEDULE_BATCH_SIZE and cannot resume', async () => {
    const messages = Array.from({ length: 5 }, (_, i) => ({ value: `m${i}` }));
    const source = createInputSource({ messages }, { topic: 't', batchSize: 2 });
    const sizes: number[] = [];
    for await (const batch of source.batches(new AbortController().signal)) {
      sizes.push(batch.messages.length);
      await batch.commit();
    }
    expect(source.resumable).toBe(false);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it("rejects the whole input, before the first batch, when any value fails the function's schema", async () => {
    const messages = [{ value: { id: 'a' } }, { value: { id: 2 } }, { value: 'not json' }, { value: null }];
    const serializer = new TestSerializer();
    const source = createInputSource(
      { messages },
      { topic: 't', batchSize: 1, checkValues: (m) => findInvalidValues(m, serializer) },
    );
    const batches: unknown[] = [];
    const error = await (async () => {
      for await (const batch of source.batches(new AbortController().signal)) batches.push(batch);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidScheduleInputError);
    expect((error as InvalidScheduleInputError).problems).toEqual([
      'messages[1].value does not match the schema at /id: must be a string',
      'messages[2].value does not match the schema as a whole: the value is not JSON',
    ]);
    expect(batches).toEqual([]);
  });

  it('fails retriably, before the first batch, when the schema cannot be fetched to check the values', async () => {
    const serializer = new TestSerializer();
    serializer.unavailable.add('t');
    const source = createInputSource(
      { messages: [{ value: { id: 'a' } }] },
      { topic: 't', batchSize: 1, checkValues: (m) => findInvalidValues(m, serializer) },
    );
    const iterator = source.batches(new AbortController().signal)[Symbol.asyncIterator]();
    const error = await iterator.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect((error as SchemaRegistryError).retriable).toBe(true);
  });

  it('validates when it is created, before anything could be written', () => {
    expect(() => createInputSource({ messages: [{}] }, { topic: 't', batchSize: 10 })).toThrow(
      InvalidScheduleInputError,
    );
  });
});
