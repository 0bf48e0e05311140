import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../lib/writer/message.ts';
import { resolveWriterConfig, WRITER_DEFAULTS } from '../../../lib/writer/options.ts';
import { batchBytes, splitByBytes } from '../../../lib/writer/request-split.ts';
import { resolveMessages } from '../../../lib/writer/resolve-messages.ts';

describe('splitByBytes', () => {
  it('keeps runs within the limit, in order, every item once; an item over the limit goes alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 6_000 }),
        (sizes, maxBytes) => {
          const items = sizes.map((bytes, index) => ({ bytes, index }));
          const runs = splitByBytes(items, (item) => item.bytes, maxBytes);
          expect(runs.flat()).toEqual(items);
          for (const run of runs) {
            expect(run.length).toBeGreaterThan(0);
            const total = run.reduce((sum, item) => sum + item.bytes, 0);
            if (run.length > 1) expect(total).toBeLessThanOrEqual(maxBytes);
          }
          // Greedy: a run was closed only because the next item did not fit.
          for (let r = 0; r + 1 < runs.length; r++) {
            const total = (runs[r] ?? []).reduce((sum, item) => sum + item.bytes, 0);
            expect(total + (runs[r + 1]?.[0]?.bytes ?? 0)).toBeGreaterThan(maxBytes);
          }
        },
      ),
    );
  });

  it('packs batches of 16,700 bytes two to a request of 33,500', () => {
    expect(splitByBytes([1, 2, 3, 4, 5, 6], () => 16_700, 33_500)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(splitByBytes([], () => 1, 10)).toEqual([]);
  });
});

describe('batchBytes', () => {
  const messages: Message[] = [
    { key: 'k1', value: 'x'.repeat(300), headers: { trace: 'abc', tags: ['a', 'bb'] } },
    { key: null, value: 'y'.repeat(40) },
    { key: 'k3', value: null, headers: { big: Buffer.alloc(2_000) } },
  ];

  it('takes the bytes the Writer counted when the batch carries them', () => {
    expect(batchBytes({ topic: 't', partition: 0, records: [], bytes: 12_345 })).toBe(12_345);
  });

  it('counts keys, values and headers as the Writer does for a batch without them', () => {
    const resolved = resolveMessages(messages, 't', 1_000_000);
    const counted = resolved.reduce((sum, m) => sum + m.size, 0);
    // A caller driving the transport directly: its headers weigh as much as its values.
    expect(batchBytes({ topic: 't', partition: 0, records: resolved })).toBe(counted);
    // By hand, 32 bytes of overhead a record and 8 per header value: 32 + 2 + 300 + (5 + 3 + 8) +
    // (4 + 1 + 8) + (4 + 2 + 8) = 377; 32 + 40 = 72; 32 + 2 + (3 + 2,000 + 8) = 2,045.
    expect(counted).toBe(377 + 72 + 2_045);
  });
});

describe('maxRequestBytes', () => {
  it('defaults to 480 KiB, under half a G1 region at a 1 GB broker heap', () => {
    expect(WRITER_DEFAULTS.maxRequestBytes).toBe(491_520);
    expect(resolveWriterConfig({ brokers: ['b:9092'] }).maxRequestBytes).toBe(491_520);
    expect(resolveWriterConfig({ brokers: ['b:9092'], maxRequestBytes: 65_536 }).maxRequestBytes).toBe(
      65_536,
    );
  });

  it('must be a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => resolveWriterConfig({ brokers: ['b:9092'], maxRequestBytes: bad })).toThrow(
        /maxRequestBytes must be a positive integer/,
      );
    }
  });
});
