import { describe, expect, it } from 'vitest';
import { produceAnswerError } from '../../../lib/writer/kafkajs-errors.ts';
import { PRODUCE_ERROR_RULES, produceErrorRule } from '../../../lib/writer/producer/produce-errors.ts';
import { RequiredAcks } from '../../../lib/writer/required-acks.ts';

describe('Produce error table', () => {
  it.each([
    // [code, Kafka name, acks, kind, may have been written]
    [6, 'NOT_LEADER_OR_FOLLOWER', RequiredAcks.All, 'retriable', true],
    [6, 'NOT_LEADER_OR_FOLLOWER', RequiredAcks.One, 'retriable', false],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', RequiredAcks.All, 'unknown-topic', true],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', RequiredAcks.One, 'unknown-topic', false],
    [56, 'KAFKA_STORAGE_ERROR', RequiredAcks.One, 'retriable', true],
    [7, 'REQUEST_TIMED_OUT', RequiredAcks.All, 'retriable', true],
    [20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', RequiredAcks.All, 'retriable', true],
    [19, 'NOT_ENOUGH_REPLICAS', RequiredAcks.All, 'retriable', false],
    [10, 'MESSAGE_TOO_LARGE', RequiredAcks.All, 'too-large', false],
    [18, 'RECORD_LIST_TOO_LARGE', RequiredAcks.All, 'too-large', false],
    [2, 'CORRUPT_MESSAGE', RequiredAcks.All, 'fatal', false],
    [87, 'INVALID_RECORD', RequiredAcks.All, 'fatal', false],
    [29, 'TOPIC_AUTHORIZATION_FAILED', RequiredAcks.All, 'fatal', false],
    [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', RequiredAcks.All, 'retriable', false],
    [59, 'UNKNOWN_PRODUCER_ID', RequiredAcks.All, 'retriable', false],
    [47, 'INVALID_PRODUCER_EPOCH', RequiredAcks.All, 'retriable', false],
    // A code the table does not know: fail, and do not claim it was not written.
    [88, 'UNSTABLE_OFFSET_COMMIT', RequiredAcks.All, 'fatal', true],
  ] as const)(
    'code %i (%s) at acks %i -> %s, may have been written: %s',
    (code, name, acks, kind, written) => {
      const failure = produceAnswerError(code, acks);
      expect(failure.code).toBe(name);
      expect(failure.kind).toBe(kind);
      expect(failure.maybeWritten).toBe(written);
    },
  );

  it('asks for a new epoch on sequence errors and a new producer id when the epoch is refused', () => {
    expect(produceErrorRule('OUT_OF_ORDER_SEQUENCE_NUMBER').action).toBe('bump-epoch');
    expect(produceErrorRule('UNKNOWN_PRODUCER_ID').action).toBe('bump-epoch');
    expect(produceErrorRule('INVALID_PRODUCER_EPOCH').action).toBe('new-producer-id');
    expect(produceErrorRule('NOT_LEADER_FOR_PARTITION').action).toBe('refresh');
  });

  it('calls "not written" only what Kafka decides before the append', () => {
    const definitive = Object.entries(PRODUCE_ERROR_RULES)
      .filter(([, rule]) => rule.written === 'no')
      .map(([name]) => name);
    for (const afterAppend of [
      'REQUEST_TIMED_OUT',
      'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
      'NETWORK_EXCEPTION',
    ]) {
      expect(definitive).not.toContain(afterAppend);
    }
    expect(definitive).toEqual(
      expect.arrayContaining(['MESSAGE_TOO_LARGE', 'CORRUPT_MESSAGE', 'NOT_ENOUGH_REPLICAS']),
    );
  });
});
