/**
 * The price model of `npm run bench:cost`: measured invocations -> billed milliseconds -> dollars
 * per million events, at Lambda's published Arm price.
 */
import { median } from './measure.ts';
import { round } from './results.ts';

/** AWS Lambda, Arm, us-east-1, first pricing tier (aws.amazon.com/lambda/pricing). */
export const LAMBDA_ARM_PRICE = { perGbSecond: 0.0000133334, perMillionRequests: 0.2 } as const;
/** Memory at which a function has the equivalent of one full vCPU (Lambda's documentation). */
const FULL_VCPU_MB = 1769;
/** The memory sizes the naive handler is priced at; it gets the cheapest. */
const MEMORY_CHOICES = [128, 256, 512, 1024] as const;

/** One invocation, measured: wall time and the process's CPU time during it. */
export interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** Billed milliseconds of one invocation at `memoryMb`: CPU stretched by the CPU share, rounded up. */
export function billedMs(sample: Sample, memoryMb: number): number {
  const stretch = Math.max(1, FULL_VCPU_MB / memoryMb);
  const waitMs = Math.max(0, sample.wallMs - sample.cpuMs);
  return Math.ceil(waitMs + sample.cpuMs * stretch);
}

/** Dollars per million events at `memoryMb`, from the median billed duration. */
export function costPerMillionEvents(
  samples: readonly Sample[],
  memoryMb: number,
  eventsPerInvocation: number,
) {
  const billed = median(samples.map((s) => billedMs(s, memoryMb)));
  const invocations = 1e6 / eventsPerInvocation;
  const compute = invocations * (billed / 1000) * (memoryMb / 1024) * LAMBDA_ARM_PRICE.perGbSecond;
  const requests = (invocations / 1e6) * LAMBDA_ARM_PRICE.perMillionRequests;
  return { billedMs: billed, dollars: compute + requests, computeDollars: compute };
}

/** One trigger's result row: the bridge at its deployed memory, the naive handler at its cheapest. */
export function costRow(
  shape: { trigger: string; describe: string; eventsPerInvocation: number },
  samples: { ours: readonly Sample[]; naive: readonly Sample[] },
  oursMemoryMb: number,
) {
  const ours = costPerMillionEvents(samples.ours, oursMemoryMb, shape.eventsPerInvocation);
  // The naive handler gets the memory at which it is cheapest: the comparison favours it.
  const naive = MEMORY_CHOICES.map((memoryMb) => ({
    memoryMb,
    ...costPerMillionEvents(samples.naive, memoryMb, shape.eventsPerInvocation),
  })).reduce((best, c) => (c.dollars < best.dollars ? c : best));
  return {
    trigger: shape.trigger,
    workload: shape.describe,
    eventsPerInvocation: shape.eventsPerInvocation,
    ours: {
      memoryMb: oursMemoryMb,
      wallMsP50: round(median(samples.ours.map((s) => s.wallMs)), 2),
      cpuMsP50: round(median(samples.ours.map((s) => s.cpuMs)), 2),
      billedMs: ours.billedMs,
      dollarsPerMillionEvents: round(ours.dollars, 4),
      computeDollarsPerMillionEvents: round(ours.computeDollars, 4),
    },
    naive: {
      memoryMb: naive.memoryMb,
      wallMsP50: round(median(samples.naive.map((s) => s.wallMs)), 2),
      cpuMsP50: round(median(samples.naive.map((s) => s.cpuMs)), 2),
      billedMs: naive.billedMs,
      dollarsPerMillionEvents: round(naive.dollars, 4),
      computeDollarsPerMillionEvents: round(naive.computeDollars, 4),
    },
    naiveOverOurs: round(naive.dollars / ours.dollars, 2),
    // Requests cost the same $0.20 per million invocations either way; compute is what differs.
    naiveOverOursCompute: round(naive.computeDollars / ours.computeDollars, 2),
  };
}

/** A row of cost.json. */
export type CostRow = ReturnType<typeof costRow>;
