import { describe, expect, it } from 'vitest';
import {
  foreignTags,
  formatPosition,
  parsePosition,
  progressTagSet,
  readProgress,
  type S3Tag,
  tagSafe,
} from '../../../lib/lambda/scheduled/object-progress.ts';

const ETAG = '"9b2cf535f27731c974343645a3985328"';
const BARE = '9b2cf535f27731c974343645a3985328';
const tags = (record: Record<string, string>): S3Tag[] =>
  Object.entries(record).map(([Key, Value]) => ({ Key, Value }));

describe('readProgress', () => {
  it.each([
    ['no tags', {}, { state: 'new', stale: false }],
    ['only foreign tags', { team: 'data' }, { state: 'new', stale: false }],
    [
      'a position of this content',
      { 'kafka-bridge-status': 'in-progress', 'kafka-bridge-position': `offset=1200 line=40 etag=${BARE}` },
      { state: 'in-progress', position: { offset: 1200, line: 40, etag: BARE } },
    ],
    [
      'a position without a status',
      { 'kafka-bridge-position': `offset=1200 line=40 etag=${BARE}` },
      { state: 'in-progress', position: { offset: 1200, line: 40, etag: BARE } },
    ],
    [
      'done',
      { 'kafka-bridge-status': 'done', 'kafka-bridge-position': `offset=9 line=1 etag=${BARE}` },
      { state: 'done' },
    ],
    ['done set by hand, without a position', { 'kafka-bridge-status': 'Done' }, { state: 'done' }],
    [
      'failed',
      {
        'kafka-bridge-status': 'failed',
        'kafka-bridge-position': `offset=30 line=2 etag=${BARE}`,
        'kafka-bridge-error': 'line 3 is not JSON',
      },
      { state: 'failed', position: { offset: 30, line: 2, etag: BARE }, error: 'line 3 is not JSON' },
    ],
    [
      'done for other content (tags copied, or written while the object was replaced)',
      { 'kafka-bridge-status': 'done', 'kafka-bridge-position': 'offset=9 line=1 etag=0123abcd' },
      { state: 'new', stale: true },
    ],
    [
      'a position for other content',
      { 'kafka-bridge-position': 'offset=9 line=1 etag=0123abcd-2' },
      { state: 'new', stale: true },
    ],
  ])('reads %s', (_, record, progress) => {
    expect(readProgress(tags(record), ETAG)).toEqual(progress);
  });

  it.each([
    [{ 'kafka-bridge-position': 'line 40' }, 'kafka-bridge-position="line 40" is not offset=N line=N etag=X'],
    [{ 'kafka-bridge-status': 'paused' }, 'kafka-bridge-status="paused" is not in-progress, done or failed'],
  ])('cannot read %o, so the object is left to an operator', (record, detail) => {
    expect(readProgress(tags(record), ETAG)).toEqual({ state: 'unreadable', detail });
  });
});

describe('progress tags', () => {
  it('round-trips a position through the tag value, without the ETag quotes S3 forbids in tags', () => {
    const text = formatPosition({ offset: 123_456_789, line: 20_000, etag: '"abc123-17"' });
    expect(text).toBe('offset=123456789 line=20000 etag=abc123-17');
    expect(parsePosition(text)).toEqual({ offset: 123_456_789, line: 20_000, etag: 'abc123-17' });
  });

  it('keeps the object own tags and replaces the bridge ones', () => {
    const current = tags({
      team: 'data',
      'kafka-bridge-status': 'in-progress',
      'kafka-bridge-position': 'x',
      owner: 'etl',
    });
    const next = progressTagSet(current, {
      status: 'failed',
      position: { offset: 10, line: 1, etag: ETAG },
      error: 'line 2 is not JSON (at character 5)',
    });
    expect(next).toEqual(
      tags({
        team: 'data',
        owner: 'etl',
        'kafka-bridge-status': 'failed',
        'kafka-bridge-position': `offset=10 line=1 etag=${BARE}`,
        'kafka-bridge-error': 'line 2 is not JSON at character 5',
      }),
    );
    expect(foreignTags(next)).toEqual(tags({ team: 'data', owner: 'etl' }));
  });

  it('reduces text to the characters S3 allows in a tag value, at most 256', () => {
    expect(tagSafe('line 3: "bad" (json) ünïcode ok_+-=./:@')).toBe('line 3: bad json ünïcode ok_+-=./:@');
    expect(tagSafe('x'.repeat(300))).toHaveLength(256);
  });
});
