import { describe, expect, it } from 'vitest';
import { findInvalidValues, writeWithSchema } from '../../../lib/lambda/schema-encoding.ts';
import { failureKinds } from '../../../lib/lambda/schema-failures.ts';
import { HeldBackError } from '../../../lib/lambda/staged-write.ts';
import { SchemaRegistryError, SchemaValidationError } from '../../../lib/schema/value-serializer.ts';
import {
  BrokerError,
  MessageTooLargeError,
  MissingTopicError,
  WriteErrors,
} from '../../../lib/writer/errors.ts';
import type { Message } from '../../../lib/writer/message.ts';
import type { RecordMetadata } from '../../../lib/writer/writer.ts';
import { TEST_SCHEMA_FRAME, TestSerializer } from '../../support/test-serializer.ts';

const valid = (id: string, topic = 't'): Message => ({ topic, key: id, value: JSON.stringify({ id }) });
const invalid = (tag: string, topic = 't'): Message => ({
  topic,
  key: tag,
  value: JSON.stringify({ id: 1 }),
});

/** The Writer's part: records every call, acknowledges every message. */
function acknowledging() {
  const calls: Message[][] = [];
  const write = async (messages: readonly Message[]): Promise<RecordMetadata[]> => {
    calls.push([...messages]);
    return messages.map((m, i) => ({ topic: m.topic ?? '', partition: 0, offset: String(i) }));
  };
  return { calls, write };
}

async function failureOf(promise: Promise<unknown>): Promise<WriteErrors> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WriteErrors);
  return error as WriteErrors;
}

const kinds = (errors: readonly (Error | undefined)[]) => errors.map((e) => e?.constructor.name);

describe('writeWithSchema', () => {
  it('writes every value encoded, in one Writer call', async () => {
    const serializer = new TestSerializer();
    const { calls, write } = acknowledging();
    const records = await writeWithSchema([valid('a'), valid('b')], serializer, write);
    expect(records.map((r) => r.offset)).toEqual(['0', '1']);
    expect(calls).toHaveLength(1);
    const written = calls[0]?.map((m) => Buffer.from(m.value as Buffer)) ?? [];
    expect(written.map((v) => v.subarray(0, 5))).toEqual([TEST_SCHEMA_FRAME, TEST_SCHEMA_FRAME]);
    expect(written.map((v) => JSON.parse(v.subarray(5).toString()))).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(calls[0]?.map((m) => m.key)).toEqual(['a', 'b']);
  });

  it('fails an invalid value alone, naming its field, and writes the others (not its fault)', async () => {
    const serializer = new TestSerializer();
    const { calls, write } = acknowledging();
    const failure = await failureOf(
      writeWithSchema([valid('a'), invalid('b'), valid('c')], serializer, write),
    );
    expect(kinds(failure.errors)).toEqual([undefined, 'SchemaValidationError', undefined]);
    const error = failure.errors[1] as SchemaValidationError;
    expect(error.field).toBe('/id');
    expect(error.retriable).toBe(false);
    expect(error.mayBeDelivered).toBe(false);
    expect(failure.records.map((r) => r?.offset)).toEqual(['0', undefined, '1']);
    expect(calls.map((c) => c.map((m) => m.key))).toEqual([['a', 'c']]);
  });

  it('holds back the later messages of a topic whose registry failed, asking it once', async () => {
    const serializer = new TestSerializer();
    serializer.unavailable.add('down');
    const { calls, write } = acknowledging();
    const failure = await failureOf(
      writeWithSchema(
        [valid('a', 'down'), valid('b', 'up'), valid('c', 'down'), valid('d', 'down'), valid('e', 'up')],
        serializer,
        write,
      ),
    );
    expect(kinds(failure.errors)).toEqual([
      'SchemaRegistryError',
      undefined,
      'HeldBackError',
      'HeldBackError',
      undefined,
    ]);
    expect((failure.errors[2] as HeldBackError).blockedBy).toBe(failure.errors[0]);
    expect(failure.errors.every((e) => e === undefined || (e as SchemaRegistryError).retriable)).toBe(true);
    expect(serializer.calls.get('down')).toBe(1);
    expect(calls.map((c) => c.map((m) => m.key))).toEqual([['b', 'e']]);
  });

  it('holds back everything after any failure when the order must hold', async () => {
    const serializer = new TestSerializer();
    const { calls, write } = acknowledging();
    const failure = await failureOf(
      writeWithSchema([valid('a'), invalid('b'), valid('c', 'other')], serializer, write, {
        keepOrder: true,
      }),
    );
    expect(kinds(failure.errors)).toEqual([undefined, 'SchemaValidationError', 'HeldBackError']);
    expect(calls.map((c) => c.map((m) => m.key))).toEqual([['a']]);
    // The held-back message is not the sender's mistake: it goes back to be retried, not judged.
    expect(failureKinds(failure, 3)).toEqual({ invalid: [1], registry: [], other: [2] });
  });

  it('writes nothing and calls no Writer when the only value is invalid', async () => {
    const { calls, write } = acknowledging();
    const failure = await failureOf(writeWithSchema([invalid('a')], new TestSerializer(), write));
    expect(failure.errors[0]).toBeInstanceOf(SchemaValidationError);
    expect(calls).toEqual([]);
  });

  it('keeps a tombstone null and leaves a message without a topic to the Writer', async () => {
    const serializer = new TestSerializer();
    const { calls, write } = acknowledging();
    await writeWithSchema([{ topic: 't', key: 'k', value: null }], serializer, write);
    expect(calls[0]?.[0]?.value).toBeNull();
    expect(serializer.calls.size).toBe(0);
    const refusing = async (): Promise<RecordMetadata[]> => {
      throw new MissingTopicError(0);
    };
    // Nothing failed before the Writer, so its own whole-call error comes back as it is.
    await expect(writeWithSchema([{ value: '{"id":"x"}' }], serializer, refusing)).rejects.toBeInstanceOf(
      MissingTopicError,
    );
  });

  it("drops the input's content-type and adds the serializer's headers", async () => {
    const serializer = new TestSerializer({ idInHeader: true });
    const { calls, write } = acknowledging();
    await writeWithSchema(
      [{ ...valid('a'), headers: { 'content-type': 'application/json', ce_id: 'e-1' } }],
      serializer,
      write,
    );
    const headers = calls[0]?.[0]?.headers;
    expect({ ...headers }).toEqual({ ce_id: 'e-1', __value_schema_id: '7' });
    expect(JSON.parse(String(calls[0]?.[0]?.value))).toEqual({ id: 'a' });
  });

  it("never changes the caller's messages", async () => {
    const message = { ...valid('a'), headers: { 'content-type': 'application/json' } };
    const before = structuredClone(message);
    await writeWithSchema([message], new TestSerializer(), acknowledging().write);
    expect(message).toEqual(before);
  });

  it('passes the signal to every serialize call (registry fetches end with the invocation)', async () => {
    const serializer = new TestSerializer();
    const signal = AbortSignal.timeout(60_000);
    await writeWithSchema([valid('a'), valid('b')], serializer, acknowledging().write, { signal });
    expect(serializer.signals).toEqual([signal, signal]);
  });

  it("merges the Writer's failures with the stage's, index-aligned", async () => {
    const broker = new BrokerError('down', 'KafkaJSConnectionError', 3, { retriable: true });
    const write = async (messages: readonly Message[]): Promise<RecordMetadata[]> => {
      throw new WriteErrors(
        messages.map((m) => (m.key === 'c' ? broker : undefined)),
        messages.map((m) => (m.key === 'c' ? undefined : { topic: 't', partition: 0, offset: '9' })),
      );
    };
    const failure = await failureOf(
      writeWithSchema([valid('a'), invalid('b'), valid('c')], new TestSerializer(), write),
    );
    expect(failure.errors).toEqual([undefined, expect.any(SchemaValidationError), broker]);
    expect(failure.records.map((r) => r?.offset)).toEqual(['9', undefined, undefined]);
  });

  it('spreads a whole-call Writer failure over the written messages when the stage failed some', async () => {
    const down = new Error('connection refused');
    const write = async (): Promise<RecordMetadata[]> => {
      throw down;
    };
    const failure = await failureOf(writeWithSchema([invalid('a'), valid('b')], new TestSerializer(), write));
    expect(failure.errors).toEqual([expect.any(SchemaValidationError), down]);
  });

  it("names the caller's message in a MessageTooLargeError, not its encoded copy", async () => {
    const big = valid('big');
    const write = async (messages: readonly Message[]): Promise<RecordMetadata[]> => {
      throw new MessageTooLargeError(messages[0] as Message, [], 2_000_000, 1_048_576);
    };
    const error = await writeWithSchema([big], new TestSerializer(), write).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect((error as MessageTooLargeError).tooLarge).toBe(big);
  });

  it('turns a thrown non-Error into an Error and holds its topic back', async () => {
    const throwing = {
      async serialize(): Promise<never> {
        throw 'boom';
      },
    };
    const failure = await failureOf(
      writeWithSchema([valid('a'), valid('b')], throwing, acknowledging().write),
    );
    expect(failure.errors.map((e) => e?.message)).toEqual([
      'boom',
      'not written: an earlier message of its topic could not be encoded (boom)',
    ]);
  });
});

describe('findInvalidValues', () => {
  it('lists every invalid value and writes nothing', async () => {
    const found = await findInvalidValues([invalid('a'), valid('b'), invalid('c')], new TestSerializer());
    expect(found.map(({ index, error }) => [index, error.field])).toEqual([
      [0, '/id'],
      [2, '/id'],
    ]);
  });

  it('rejects when the registry cannot answer: nothing can be judged', async () => {
    const serializer = new TestSerializer();
    serializer.unavailable.add('t');
    await expect(findInvalidValues([valid('a'), valid('b')], serializer)).rejects.toBeInstanceOf(
      SchemaRegistryError,
    );
    expect(serializer.calls.get('t')).toBe(1);
  });
});

describe('failureKinds', () => {
  it('sorts failures by whose problem they are, held-back ones with their cause', () => {
    const registry = new SchemaRegistryError('down');
    const errors = new WriteErrors([
      undefined,
      new SchemaValidationError('bad', '/x'),
      registry,
      new HeldBackError('held', registry),
      new BrokerError('down', 'KafkaJSConnectionError', 3, { retriable: true }),
    ]);
    expect(failureKinds(errors, 5)).toEqual({ invalid: [1], registry: [2, 3], other: [4] });
  });

  it('counts a whole-call error once per message', () => {
    expect(failureKinds(new SchemaRegistryError('down'), 2)).toEqual({
      invalid: [],
      registry: [0, 1],
      other: [],
    });
  });
});
