/** Runs contenders in alternating rounds, so machine drift hits every one alike. */
import type { Contender, OwnRound } from './contender.ts';
import type { Measured } from './results.ts';

/** The broker's side of a round, when the bench runs the broker itself. */
export interface BrokerCpu {
  /** The broker process's CPU milliseconds so far. */
  clock: () => number;
  /** Records a contender writes in one round (some peers write warm-up records too). */
  recordsPerRound: (contenderId: string) => number;
}

/**
 * The order of the contenders in turn `turn`, from a balanced Latin square (Williams' design):
 * over a whole cycle of turns each contender runs in every place equally often and, within a
 * turn, right after each other contender equally often. In one fixed order a contender always
 * follows the same one, and pays for what that one leaves behind on the shared brokers (GC debt,
 * page cache to write back, replication still settling). A cycle is n turns for an even count n,
 * 2n for an odd one (each row then also runs reversed). Not balanced: who ends one turn and
 * starts the next, and a last cycle cut short by the number of rounds.
 */
export function turnOrder(contenders: number, turn: number): number[] {
  const n = contenders;
  // First row 0, 1, n-1, 2, n-2, ...; row r adds r to each entry, modulo n.
  const first = Array.from({ length: n }, (_, j) => (j % 2 === 1 ? (j + 1) / 2 : (n - j / 2) % n));
  const cycle = n % 2 === 0 ? n : 2 * n;
  const position = turn % cycle;
  const row = first.map((entry) => (entry + (position % n)) % n);
  return position < n ? row : row.reverse();
}

/**
 * One untimed warm-up round per contender (JIT, connections, metadata), then `rounds` rounds in
 * which every contender runs once, in each turn's order (`turnOrder`). With `slices` above 1
 * each round is cut into that many slices of its calls and the contenders take turns slice by slice (every one must be
 * `sliceable`): a round's time and CPU are its slices' sums. Contenders are closed afterwards,
 * failures included. With `brokerCpu`, each round also records the broker's CPU per record it was
 * sent.
 */
export async function alternatingRounds(
  contenders: readonly Contender[],
  rounds: number,
  messagesPerRound: number,
  brokerCpu?: BrokerCpu,
  slices = 1,
): Promise<Measured[]> {
  const measured = contenders.map((c) => ({
    id: c.id,
    contender: c.name,
    kind: c.kind,
    roundsMs: [] as number[],
    callMs: [] as number[],
    cpuMicrosPerMessage: [] as number[],
    brokerCpuMicrosPerMessage: [] as number[],
  }));
  try {
    const unsliceable = contenders.filter((c) => !c.sliceable).map((c) => c.id);
    if (slices > 1 && unsliceable.length > 0)
      throw new Error(`rounds cut in ${slices} slices, but ${unsliceable.join(', ')} cannot run a slice`);
    for (const contender of contenders) await contender.round(() => {});
    for (let round = 0; round < rounds; round++) {
      const totals = contenders.map(() => ({ ms: 0, cpuMicros: 0, brokerMs: 0, cpuKnown: true }));
      for (let index = 0; index < slices; index++) {
        for (const i of turnOrder(contenders.length, round * slices + index)) {
          const contender = contenders[i] as Contender;
          const m = measured[i] as (typeof measured)[number];
          const total = totals[i] as (typeof totals)[number];
          const brokerBefore = brokerCpu?.clock();
          const cpu = process.cpuUsage();
          const start = performance.now();
          const slice = slices > 1 ? { index, of: slices } : undefined;
          const own = await contender.round((ms) => m.callMs.push(ms), slice);
          const wallMs = performance.now() - start;
          if (brokerCpu && brokerBefore !== undefined) total.brokerMs += brokerCpu.clock() - brokerBefore;
          if (isOwnRound(own)) {
            total.ms += own.ms;
            if (own.cpuMicrosPerMessage === null) total.cpuKnown = false;
            else total.cpuMicros += own.cpuMicrosPerMessage * (own.messages ?? messagesPerRound / slices);
          } else {
            // JavaScript runs on one thread: while this contender runs, the process's CPU is its.
            const used = process.cpuUsage(cpu);
            total.ms += wallMs;
            total.cpuMicros += used.user + used.system;
          }
        }
      }
      for (const [i, contender] of contenders.entries()) {
        const m = measured[i] as (typeof measured)[number];
        const total = totals[i] as (typeof totals)[number];
        m.roundsMs.push(total.ms);
        if (total.cpuKnown) m.cpuMicrosPerMessage.push(total.cpuMicros / messagesPerRound);
        if (brokerCpu)
          m.brokerCpuMicrosPerMessage.push((total.brokerMs * 1000) / brokerCpu.recordsPerRound(contender.id));
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

function isOwnRound(value: unknown): value is OwnRound {
  return typeof value === 'object' && value !== null && typeof (value as OwnRound).ms === 'number';
}
