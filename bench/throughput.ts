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
 * One untimed warm-up round per contender (JIT, connections, metadata), then `rounds` rounds in
 * which every contender runs once, in turn. With `slices` above 1 each round is cut into that many
 * slices of its calls and the contenders take turns slice by slice (every one must be
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
        for (const [i, contender] of contenders.entries()) {
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
