import { describe, expect, it } from 'vitest';
import { UnknownTopicError, WriteErrors } from '../../../../lib/index.ts';
import { ERROR_CODES } from '../../../support/fake-broker/index.ts';
import { fakeCluster, fakeWriter, valueAt } from '../../../support/fake-writer.ts';

// Issue 9, defect 4: one bad partition or topic must not break every topic. kafkajs' metadata
// parser throws on the first topic or partition error of an answer; the Writer keeps them apart.

describe('Writer metadata with errors in it (fake broker)', () => {
  it('fails only the messages routed to a leaderless partition, and keeps writing the others and other topics', async () => {
    const fake = await fakeCluster({ topics: { events: 2, other: 1 } });
    fake.setLeader('events', 1, -1);
    fake.setPartitionError('events', 1, ERROR_CODES.LEADER_NOT_AVAILABLE);
    const writer = fakeWriter(fake, { maxAttempts: 2 });

    const error = await writer
      .writeMessages([
        { topic: 'events', key: '0', value: 'healthy partition' },
        { topic: 'events', key: '1', value: 'leaderless partition' },
      ])
      .catch((e: unknown) => e);
    const [other] = await writer.writeMessages([{ topic: 'other', key: '0', value: 'other topic' }]);

    expect(error).toBeInstanceOf(WriteErrors);
    const { errors, records } = error as WriteErrors;
    expect(errors[0]).toBeUndefined();
    expect(valueAt(fake, records[0] as never)).toBe('healthy partition');
    expect(errors[1]).toMatchObject({ code: 'LEADER_NOT_AVAILABLE', mayBeDelivered: false, retriable: true });
    expect(fake.records('events', 1)).toEqual([]);
    expect(valueAt(fake, other as never)).toBe('other topic');
  });

  it('keeps writing to healthy topics after a topic it wrote to is deleted, and names the deleted one', async () => {
    const fake = await fakeCluster({ topics: { doomed: 1, healthy: 1 } });
    // Metadata is fetched again on every call, so every refresh asks about both topics.
    const writer = fakeWriter(fake, { metadataMaxAgeMs: 0, maxAttempts: 2 });
    await writer.writeMessages([
      { topic: 'doomed', key: '0', value: 'before' },
      { topic: 'healthy', key: '0', value: 'before' },
    ]);

    fake.deleteTopic('doomed');
    const [first] = await writer.writeMessages([{ topic: 'healthy', key: '0', value: 'after 1' }]);
    const [second] = await writer.writeMessages([{ topic: 'healthy', key: '0', value: 'after 2' }]);
    const doomed = await writer.writeMessages([{ topic: 'doomed', key: '0', value: 'x' }]).catch((e) => e);

    expect(valueAt(fake, first as never)).toBe('after 1');
    expect(valueAt(fake, second as never)).toBe('after 2');
    expect(doomed).toBeInstanceOf(UnknownTopicError);
    expect((doomed as UnknownTopicError).topic).toBe('doomed');
  });

  it('fails only the topic whose metadata carries an error', async () => {
    const fake = await fakeCluster({ topics: { forbidden: 1, healthy: 1 } });
    fake.setTopicError('forbidden', 29); // TOPIC_AUTHORIZATION_FAILED
    const writer = fakeWriter(fake, { maxAttempts: 2 });

    const forbidden = await writer
      .writeMessages([{ topic: 'forbidden', key: '0', value: 'x' }])
      .catch((e) => e);
    const [healthy] = await writer.writeMessages([{ topic: 'healthy', key: '0', value: 'ok' }]);

    expect(forbidden).toMatchObject({ code: 'TOPIC_AUTHORIZATION_FAILED', retriable: false });
    expect(valueAt(fake, healthy as never)).toBe('ok');
  });
});
