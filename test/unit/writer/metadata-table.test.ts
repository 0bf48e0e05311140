import { describe, expect, it } from 'vitest';
import { MetadataTable, type TopicMetadata } from '../../../lib/writer/metadata/metadata-table.ts';

const UNKNOWN_TOPIC = 3;
const LEADER_NOT_AVAILABLE = 5;

const topic = (name: string, leaders: number[], errorCode = 0): TopicMetadata => ({
  topic: name,
  errorCode,
  partitions: leaders.map((leader, partitionId) => ({
    partitionId,
    leader,
    errorCode: leader < 0 ? LEADER_NOT_AVAILABLE : 0,
  })),
});

describe('MetadataTable', () => {
  it('keeps a leaderless partition in the partition list and answers its error only for it', () => {
    const table = new MetadataTable();
    table.want('events');
    table.update(['events'], [topic('events', [1, -1, 2])]);

    expect(table.view('events')).toEqual({ state: 'ready', partitions: [0, 1, 2] });
    expect(table.leaderOf('events', 0)).toEqual({ leader: 1 });
    expect(table.leaderOf('events', 1)).toEqual({ errorCode: LEADER_NOT_AVAILABLE });
  });

  it('forgets a topic the cluster no longer has and stops asking about it', () => {
    const table = new MetadataTable();
    table.want('deleted');
    table.want('healthy');
    table.update(['deleted', 'healthy'], [topic('deleted', [1]), topic('healthy', [1])]);
    table.update(['deleted', 'healthy'], [topic('deleted', [], UNKNOWN_TOPIC), topic('healthy', [2])]);

    expect(table.view('deleted')).toEqual({ state: 'absent' });
    expect(table.targets).toEqual(['healthy']);
    expect(table.leaderOf('healthy', 0)).toEqual({ leader: 2 });
  });

  it('asks again about an absent topic (it may have been created since)', () => {
    const table = new MetadataTable();
    table.want('later');
    table.update(['later'], []);
    expect(table.view('later')).toEqual({ state: 'absent' });
    expect(table.want('later')).toBe(true);
    table.update(['later'], [topic('later', [1])]);
    expect(table.view('later')).toEqual({ state: 'ready', partitions: [0] });
  });

  it('tells a topic never asked about from one that is absent', () => {
    const table = new MetadataTable();
    expect(table.view('new')).toEqual({ state: 'unasked' });
  });

  it('reports a topic-level error with no partitions as that error', () => {
    const table = new MetadataTable();
    table.want('forbidden');
    table.update(['forbidden'], [topic('forbidden', [], 29)]);
    expect(table.view('forbidden')).toEqual({ state: 'error', errorCode: 29 });
  });
});
