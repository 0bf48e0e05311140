/** Runs in-process contenders in alternating rounds, so machine drift hits every one alike. */
import type { Contender } from './contender.ts';
import type { Measured } from './results.ts';

/**
 * One untimed warm-up round per contender (JIT, connections, metadata), then `rounds` rounds in
 * which every contender runs once, in turn. Contenders are closed afterwards, failures included.
 */
export async function alternatingRounds(
  contenders: readonly Contender[],
  rounds: number,
): Promise<Measured[]> {
  const measured: Measured[] = contenders.map((c) => ({
    id: c.id,
    contender: c.name,
    kind: c.kind,
    roundsMs: [] as number[],
    callMs: [] as number[],
  }));
  try {
    for (const contender of contenders) await contender.round(() => {});
    for (let round = 0; round < rounds; round++) {
      for (const [i, contender] of contenders.entries()) {
        const m = measured[i] as Measured;
        const start = performance.now();
        const own = await contender.round((ms) => m.callMs.push(ms));
        m.roundsMs.push(typeof own === 'number' ? own : performance.now() - start);
      }
    }
  } finally {
    await Promise.allSettled(contenders.map((c) => c.close()));
  }
  // Read last: some notes summarize the rounds (a peer's own latency figures).
  contenders.forEach((c, i) => {
    if (c.note) (measured[i] as Measured).note = c.note;
  });
  return measured;
}
