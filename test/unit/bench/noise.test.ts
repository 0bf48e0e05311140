import { describe, expect, it } from 'vitest';
import { p99DifferenceInterval, roundsWon, signTest } from '../../../bench/noise.ts';

describe('signTest', () => {
  it('gives the two-sided binomial tail at p = 0.5', () => {
    expect(signTest(15, 0)).toBeCloseTo(2 / 2 ** 15, 10);
    // (C(15,0) + C(15,1) + C(15,2) + C(15,3)) / 2^15, both tails: 2 x 576 / 32768
    expect(signTest(12, 3)).toBeCloseTo((2 * 576) / 32_768, 10);
    expect(signTest(3, 12)).toBeCloseTo(signTest(12, 3), 12);
    expect(signTest(5, 5)).toBe(1);
    expect(signTest(0, 0)).toBe(1);
  });

  it('stays finite for thousands of trials', () => {
    expect(signTest(1_600, 1_400)).toBeGreaterThan(0);
    expect(signTest(1_600, 1_400)).toBeLessThan(0.001);
    expect(signTest(1_500, 1_500)).toBeCloseTo(1, 6);
  });
});

describe('roundsWon', () => {
  it('pairs round i with round i, counting ties for neither', () => {
    expect(roundsWon([10, 20, 30, 40], [11, 19, 30, 45])).toEqual({
      won: 2,
      lost: 1,
      pValue: signTest(2, 1),
    });
  });

  it('wins every round only when faster in every one, whatever the medians', () => {
    // A slow spell in rounds 3 and 4 hits both; round by round the first is always faster.
    const mine = [100, 101, 300, 310, 102];
    const theirs = [105, 106, 305, 315, 107];
    const result = roundsWon(mine, theirs);
    expect(result.won).toBe(5);
    expect(result.pValue).toBeCloseTo(2 / 32, 10);
  });
});

describe('p99DifferenceInterval', () => {
  /** Call times with a long tail, as a proxied cluster's: 5 ms plus an exponential of mean 3 ms. */
  const noisy = (count: number, seed: number) => {
    let state = seed >>> 0;
    return Array.from({ length: count }, () => {
      state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
      return 5 - 3 * Math.log(1 - state / 2 ** 32);
    });
  };

  it('takes sample i of both together, so a shared slow spell cancels out', () => {
    const mine = noisy(3_000, 7);
    const theirs = mine.map((ms) => ms + 0.5);
    // Paired, every resample's p99 differs by exactly the shift.
    const paired = p99DifferenceInterval(mine, theirs);
    expect(paired.paired).toBe(true);
    expect(paired.low).toBeCloseTo(-0.5, 9);
    expect(paired.high).toBeCloseTo(-0.5, 9);
    // The same samples unpaired (one fewer on one side) cannot tell the shift from noise.
    const unpaired = p99DifferenceInterval(mine, theirs.slice(1));
    expect(unpaired.paired).toBe(false);
    expect(unpaired.low).toBeLessThan(0);
    expect(unpaired.high).toBeGreaterThan(0);
  });

  it('excludes zero for a clear difference and includes it for none', () => {
    const low = noisy(2_000, 3);
    const high = noisy(2_000, 11).map((ms) => ms + 10);
    const clear = p99DifferenceInterval(low, high);
    expect(clear.high).toBeLessThan(0);
    const none = p99DifferenceInterval(noisy(2_000, 3), noisy(2_001, 5));
    expect(none.low).toBeLessThan(0);
    expect(none.high).toBeGreaterThan(0);
  });

  it('is as wide as a 95 % interval should be for independent calls', () => {
    // p99 of an exponential (mean 3) from n samples has a standard error of about
    // sqrt(0.99 x 0.01 / n) / (0.01 / 3) = 0.67 ms at n = 2,000; the difference of two such, 0.94;
    // a 95 % interval is then about 2 x 1.96 x 0.94 = 3.7 ms wide (80 %: 2.4; 99 %: 4.9).
    const { low, high } = p99DifferenceInterval(noisy(2_000, 3), noisy(2_000, 5), { block: 1 });
    expect(high - low).toBeGreaterThan(3.0);
    expect(high - low).toBeLessThan(4.4);
  });

  it('widens when slow calls come in spells, as the blocks keep them together', () => {
    // Each value repeated 10 times in a row: a tenth of the information the count suggests.
    const spells = (seed: number) => noisy(300, seed).flatMap((ms) => Array<number>(10).fill(ms));
    const mine = spells(3);
    const theirs = spells(5);
    const single = p99DifferenceInterval(mine, theirs, { block: 1 });
    const blocks = p99DifferenceInterval(mine, theirs, { block: 10 });
    expect(blocks.high - blocks.low).toBeGreaterThan(1.8 * (single.high - single.low));
  });

  it('gives the same interval for the same samples and seed', () => {
    const a = noisy(500, 1);
    const b = noisy(500, 2);
    expect(p99DifferenceInterval(a, b)).toEqual(p99DifferenceInterval(a, b));
  });

  it('refuses an empty side', () => {
    expect(() => p99DifferenceInterval([], [1])).toThrow(/samples on both sides/);
  });
});
