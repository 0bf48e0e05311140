import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Contender, sliceOf, timedCalls } from '../../../bench/contender.ts';
import { alternatingRounds, turnOrder } from '../../../bench/throughput.ts';

/** A contender whose calls only record who sent what, in which order. */
function recordingContender(
  id: string,
  calls: readonly number[],
  log: string[],
  sliceable = true,
): Contender {
  let closed = false;
  return {
    id,
    name: id,
    kind: 'peer',
    sliceable,
    round: (onCall, slice) =>
      timedCalls(
        calls,
        async (call) => {
          if (closed) throw new Error(`${id} used after close`);
          log.push(`${id}${call}`);
        },
        onCall,
        slice,
      ),
    close: async () => {
      closed = true;
      log.push(`${id} closed`);
    },
  };
}

describe('sliceOf', () => {
  it('hands out every call exactly once, in order, over the slices of a round', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 40 }), (count, of) => {
        const calls = Array.from({ length: count }, (_, i) => i);
        const slices = Array.from({ length: of }, (_, index) => sliceOf(calls, { index, of }));
        expect(slices.flat()).toEqual(calls);
        // Even: no slice holds more than one call above another.
        const sizes = slices.map((s) => s.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('is the whole round without a slice', () => {
    expect(sliceOf([1, 2, 3], undefined)).toEqual([1, 2, 3]);
  });
});

describe('turnOrder', () => {
  it('over a cycle, puts each contender in every place and after every other one equally often', () => {
    for (let n = 1; n <= 9; n++) {
      const cycle = n % 2 === 0 ? n : 2 * n;
      const turns = Array.from({ length: cycle }, (_, turn) => turnOrder(n, turn));
      const places = new Map<string, number>();
      const follows = new Map<string, number>();
      for (const order of turns) {
        expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
        for (const [place, c] of order.entries()) {
          places.set(`${c}@${place}`, (places.get(`${c}@${place}`) ?? 0) + 1);
        }
        for (let i = 1; i < n; i++) {
          const pair = `${order[i - 1]}>${order[i]}`;
          follows.set(pair, (follows.get(pair) ?? 0) + 1);
        }
      }
      expect(places.size).toBe(n * n);
      expect(new Set(places.values()).size).toBe(1);
      expect(follows.size).toBe(n * (n - 1));
      expect(new Set(follows.values()).size).toBeLessThanOrEqual(1);
      // The next cycle repeats this one.
      expect(turnOrder(n, cycle + 1)).toEqual(turnOrder(n, 1));
    }
  });
});

describe('alternatingRounds', () => {
  it('takes turns slice by slice, every call of a round once per contender', async () => {
    const log: string[] = [];
    const calls = [0, 1, 2, 3, 4, 5];
    const contenders = [recordingContender('a', calls, log), recordingContender('b', calls, log)];
    const measured = await alternatingRounds(contenders, 2, 600, undefined, 3);
    const timed = log.slice(12, 36); // after each contender's warm-up round of 6 calls
    // Two contenders swap places every turn (turnOrder).
    expect(timed).toEqual([
      ...['a0', 'a1', 'b0', 'b1', 'b2', 'b3', 'a2', 'a3', 'a4', 'a5', 'b4', 'b5'],
      ...['b0', 'b1', 'a0', 'a1', 'a2', 'a3', 'b2', 'b3', 'b4', 'b5', 'a4', 'a5'],
    ]);
    for (const m of measured) {
      expect(m.roundsMs).toHaveLength(2);
      expect(m.callMs).toHaveLength(12);
      expect(m.cpuMicrosPerMessage).toHaveLength(2);
    }
  });

  it('adds up the slices of a contender that times itself', async () => {
    const answers = [
      { ms: 10, cpuMicrosPerMessage: 2, messages: 100 },
      { ms: 30, cpuMicrosPerMessage: 4, messages: 300 },
    ];
    let call = 0;
    const remote: Contender = {
      id: 'remote',
      name: 'remote',
      kind: 'peer',
      sliceable: true,
      round: async (_onCall, slice) => (slice ? answers[slice.index] : { ms: 1, cpuMicrosPerMessage: 1 }),
      close: async () => {
        call++;
      },
    };
    const [measured] = await alternatingRounds([remote], 1, 400, undefined, 2);
    expect(measured?.roundsMs).toEqual([40]);
    // (2 us x 100 + 4 us x 300) / 400 messages
    expect(measured?.cpuMicrosPerMessage).toEqual([3.5]);
    expect(call).toBe(1);
  });

  it('refuses slices for a contender that cannot run one, and still closes every contender', async () => {
    const log: string[] = [];
    const contenders = [
      recordingContender('a', [0, 1], log),
      recordingContender('stream', [0, 1], log, false),
    ];
    await expect(alternatingRounds(contenders, 1, 200, undefined, 2)).rejects.toThrow(
      /2 slices, but stream cannot run a slice/,
    );
    expect(log).toEqual(['a closed', 'stream closed']);
  });
});
