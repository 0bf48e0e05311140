/**
 * Whether a difference between two contenders is larger than the run's own noise. The cross-AZ
 * profile's contenders share two cores with three brokers, and a round's time swings by 2x from
 * one round to the next; a point estimate alone (a median, a p99) then says who was ahead in this
 * run, not who is ahead.
 */

/** Rounds in which one contender took less time than the other, over the rounds both ran. */
export interface RoundsWon {
  won: number;
  lost: number;
  /** Two-sided sign test: the chance of a split at least this uneven between equals. */
  pValue: number;
}

/**
 * Compares two contenders round by round. Rounds alternate (and rotate their order), so round i
 * of each ran under the same conditions: pairing them takes the machine's slow spells out of the
 * comparison. Tied rounds count for neither.
 */
export function roundsWon(mineMs: readonly number[], theirsMs: readonly number[]): RoundsWon {
  let won = 0;
  let lost = 0;
  const rounds = Math.min(mineMs.length, theirsMs.length);
  for (let i = 0; i < rounds; i++) {
    const mine = mineMs[i] as number;
    const theirs = theirsMs[i] as number;
    if (mine < theirs) won++;
    else if (mine > theirs) lost++;
  }
  return { won, lost, pValue: signTest(won, lost) };
}

/** Two-sided binomial test of `a` successes against `b` at p = 0.5. */
export function signTest(a: number, b: number): number {
  const n = a + b;
  if (n === 0) return 1;
  const fewer = Math.min(a, b);
  // C(n, k) / 2^n summed for k <= fewer, in logs so that n in the thousands cannot overflow.
  let tail = 0;
  let logChoose = 0;
  for (let k = 0; k <= fewer; k++) {
    if (k > 0) logChoose += Math.log(n - k + 1) - Math.log(k);
    tail += Math.exp(logChoose - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}

/** Samples in a block of the bootstrap: the cross-AZ cluster's slow spells last a few calls. */
export const BOOTSTRAP_BLOCK = 10;

/**
 * A 95 % bootstrap interval of p99(mine) - p99(theirs), in the samples' unit. With as many
 * samples on each side, sample i of each is taken together (`paired`): in sliced rounds call i of
 * every contender ran in the same turn, a few calls apart, so a slow spell of the cluster is in
 * both or in neither. Samples are drawn in runs of `block` neighbours (a moving-block bootstrap),
 * because a slow spell spans several calls in a row: resampling single calls would count it as
 * independent bad luck and make the interval too narrow. Seeded: the same samples give the same
 * interval.
 */
export function p99DifferenceInterval(
  mine: readonly number[],
  theirs: readonly number[],
  options: { resamples?: number; block?: number; seed?: number } = {},
): { low: number; high: number; paired: boolean } {
  if (mine.length === 0 || theirs.length === 0)
    throw new Error('p99DifferenceInterval needs samples on both sides');
  const resamples = options.resamples ?? 2_000;
  const block = Math.max(1, options.block ?? BOOTSTRAP_BLOCK);
  const random = mulberry32(options.seed ?? 1);
  const paired = mine.length === theirs.length;
  const a = new Float64Array(mine.length);
  const b = new Float64Array(theirs.length);
  const differences = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const starts = resampleBlocks(a, mine, block, random);
    if (paired) fillFromStarts(b, theirs, block, starts);
    else resampleBlocks(b, theirs, block, random);
    differences[r] = p99Of(a) - p99Of(b);
  }
  differences.sort();
  // The 2.5th and 97.5th percentiles of the resampled differences.
  return {
    low: differences[Math.floor(0.025 * (resamples - 1))] as number,
    high: differences[Math.ceil(0.975 * (resamples - 1))] as number,
    paired,
  };
}

/** Fills `into` with blocks of `from` starting at random places; returns the starts it used. */
function resampleBlocks(
  into: Float64Array,
  from: readonly number[],
  block: number,
  random: () => number,
): number[] {
  const size = Math.min(block, from.length);
  const starts: number[] = [];
  for (let filled = 0; filled < into.length; filled += size) {
    starts.push(Math.floor(random() * (from.length - size + 1)));
  }
  fillFromStarts(into, from, size, starts);
  return starts;
}

function fillFromStarts(
  into: Float64Array,
  from: readonly number[],
  block: number,
  starts: readonly number[],
): void {
  const size = Math.min(block, from.length);
  let filled = 0;
  for (const start of starts) {
    for (let i = 0; i < size && filled < into.length; i++) into[filled++] = from[start + i] as number;
  }
}

/** The nearest-rank 99th percentile (as measure.ts' percentile), sorting `samples` in place. */
function p99Of(samples: Float64Array): number {
  samples.sort();
  return samples[Math.min(samples.length - 1, Math.ceil(0.99 * samples.length) - 1)] as number;
}

/** A small seeded PRNG (uniform in [0, 1)), so a bench's intervals can be reproduced. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
