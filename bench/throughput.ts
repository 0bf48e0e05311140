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
 * which every contender runs once, in turn. Contenders are closed afterwards, failures included.
 * With `brokerCpu`, each round also records the broker's CPU per record it was sent.
 */
export async function alternatingRounds(
  contenders: readonly Contender[],
  rounds: number,
  messagesPerRound: number,
  brokerCpu?: BrokerCpu,
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
    for (const contender of contenders) await contender.round(() => {});
    for (let round = 0; round < rounds; round++) {
      for (const [i, contender] of contenders.entries()) {
        const m = measured[i] as (typeof measured)[number];
        const brokerBefore = brokerCpu?.clock();
        const cpu = process.cpuUsage();
        const start = performance.now();
        const own = await contender.round((ms) => m.callMs.push(ms));
        const wallMs = performance.now() - start;
        if (brokerCpu && brokerBefore !== undefined) {
          const records = brokerCpu.recordsPerRound(contender.id);
          m.brokerCpuMicrosPerMessage.push(((brokerCpu.clock() - brokerBefore) * 1000) / records);
        }
        if (isOwnRound(own)) {
          m.roundsMs.push(own.ms);
          if (own.cpuMicrosPerMessage !== null) m.cpuMicrosPerMessage.push(own.cpuMicrosPerMessage);
        } else {
          // JavaScript runs on one thread: while this contender runs, the process's CPU is its.
          const used = process.cpuUsage(cpu);
          m.roundsMs.push(wallMs);
          m.cpuMicrosPerMessage.push((used.user + used.system) / messagesPerRound);
        }
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
