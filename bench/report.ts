/** Goals of issue 5 checked against a run, and the run printed as tables. */
import { median, table } from './measure.ts';
import { type LatencyRow, round, type ThroughputRow } from './results.ts';

/** One goal, met or missed, with the numbers behind the verdict. */
export interface Goal {
  goal: string;
  measured: string;
  met: boolean | null;
  /** Whether the difference is beyond the run's noise, and what says so (noise.ts). */
  beyondNoise?: string;
}

/** What the goals are judged on. */
export interface GoalInputs {
  throughput: readonly ThroughputRow[];
  latency: readonly LatencyRow[];
  sqsInvocationMs: readonly number[];
  sqsRecords: number;
  writerId: string;
}

/** Judges the four goals; a goal whose contender was skipped is `met: null`. */
export function judgeGoals(inputs: GoalInputs): Goal[] {
  const byId = new Map(inputs.throughput.map((r) => [r.id, r]));
  const writer = byId.get(inputs.writerId);
  // The faster kafka-go configuration (BatchTimeout 1 ms or 50 µs) is the one to beat.
  const kafkaGo = inputs.throughput
    .filter((r) => r.id.startsWith('kafka-go'))
    .reduce<(typeof inputs.throughput)[number] | undefined>(
      (best, r) => (best === undefined || r.msgsPerSec > best.msgsPerSec ? r : best),
      undefined,
    );
  const goals: Goal[] = [];
  goals.push({
    goal: 'Writer time <= 1.05x raw kafkajs',
    measured: writer ? `${writer.ratioToKafkajs}x (${writer.contender})` : 'not run',
    met: writer ? writer.ratioToKafkajs <= 1.05 : null,
  });
  // Issue 12's goals, like with like: 1.2x kafka-go at equal settings (sync calls, same batch
  // size; its faster BatchTimeout), 0.6x librdkafka with the Writer streaming too (async), as
  // librdkafka streams with no calls to wait for.
  goals.push(ratioGoal('Writer throughput >= 1.2x kafka-go Writer', writer, kafkaGo, 1.2));
  const streaming = byId.get('writer-async') ?? writer;
  goals.push(ratioGoal('Writer async throughput >= 0.6x librdkafka', streaming, byId.get('librdkafka'), 0.6));
  for (const [label, warmId, coldId] of [
    ['PLAINTEXT', 'writer', 'connect-per-invocation'],
    ['TLS + SCRAM', 'writer-tls', 'connect-per-invocation-tls'],
  ] as const) {
    const warm = inputs.latency.find((r) => r.id === warmId);
    const cold = inputs.latency.find((r) => r.id === coldId);
    if (label !== 'PLAINTEXT' && !(warm && cold)) continue;
    const speedup = warm && cold ? cold.meanMs / warm.meanMs : undefined;
    goals.push({
      goal: `warm >= 20x faster per invocation than connect-per-invocation (${label}, loopback)`,
      measured:
        warm && cold && speedup !== undefined
          ? `${round(speedup, 1)}x mean (${cold.meanMs} vs ${warm.meanMs} ms); p50 ${round(cold.p50Ms / warm.p50Ms, 1)}x`
          : 'not run',
      met: speedup === undefined ? null : speedup >= 20,
    });
  }
  const sqs = inputs.sqsInvocationMs;
  goals.push({
    goal: `${inputs.sqsRecords.toLocaleString('en-US')}-record SQS invocation acknowledged in <= 1 s`,
    measured:
      sqs.length > 0
        ? `median ${round(median(sqs), 1)} ms, max ${round(Math.max(...sqs), 1)} ms (${sqs.length} invocations)`
        : 'not run',
    met: sqs.length > 0 ? Math.max(...sqs) <= 1000 : null,
  });
  return goals;
}

/** `writer` msgs/s at least `factor` times `peer`'s; not run when either was skipped. */
function ratioGoal(
  goal: string,
  writer: ThroughputRow | undefined,
  peer: ThroughputRow | undefined,
  factor: number,
): Goal {
  if (!writer || !peer) return { goal, measured: 'not run', met: null };
  const ratio = writer.msgsPerSec / peer.msgsPerSec;
  return {
    goal,
    measured: `${writer.msgsPerSec.toLocaleString('en-US')} (${writer.id}) vs ${peer.msgsPerSec.toLocaleString('en-US')} msgs/s (${round(ratio, 2)}x; ${peer.contender}); CPU ${writer.cpuMicrosPerMessage ?? '-'} vs ${peer.cpuMicrosPerMessage ?? '-'} µs/msg${brokerCpuNote(writer, peer)}`,
    met: ratio >= factor,
  };
}

/** The broker's CPU per message for both, where measured. */
function brokerCpuNote(writer: ThroughputRow, peer: ThroughputRow): string {
  if (writer.brokerCpuMicrosPerMessage === null || peer.brokerCpuMicrosPerMessage === null) return '';
  return `, broker ${writer.brokerCpuMicrosPerMessage} vs ${peer.brokerCpuMicrosPerMessage}`;
}

/** The throughput table for the terminal, with footnotes for the rows that need one. */
export function throughputTable(rows: readonly ThroughputRow[], baselineName = 'kafkajs'): string {
  const notes: string[] = [];
  const printed = rows.map((r) => {
    let name = r.contender;
    if (r.note) {
      notes.push(`[${notes.length + 1}] ${r.note}`);
      name += ` [${notes.length}]`;
    }
    return {
      contender: name,
      'median ms': r.medianMs.toFixed(1),
      'msgs/s': r.msgsPerSec.toLocaleString('en-US'),
      'MB/s': r.mbPerSec.toFixed(1),
      'p50 ms/call': r.p50Ms === null ? '-' : r.p50Ms.toFixed(2),
      'p99 ms/call': r.p99Ms === null ? '-' : r.p99Ms.toFixed(2),
      'CPU µs/msg': r.cpuMicrosPerMessage === null ? '-' : r.cpuMicrosPerMessage.toFixed(2),
      ...(rows.some((row) => row.brokerCpuMicrosPerMessage !== null)
        ? {
            'broker CPU µs/msg':
              r.brokerCpuMicrosPerMessage === null ? '-' : r.brokerCpuMicrosPerMessage.toFixed(2),
          }
        : {}),
      [`time vs ${baselineName}`]: `${r.ratioToKafkajs.toFixed(2)}x`,
    };
  });
  return [table(printed), '', ...notes].join('\n');
}

/** The one-message-per-call table for the terminal. */
export function latencyTable(rows: readonly LatencyRow[]): string {
  return table(
    rows.map((r) => ({
      contender: r.contender,
      'p50 ms': r.p50Ms.toFixed(2),
      'p99 ms': r.p99Ms.toFixed(2),
      'mean ms': r.meanMs.toFixed(2),
      'calls/s': r.callsPerSec.toLocaleString('en-US'),
      'mean vs kafkajs send': `${r.ratioToKafkajs.toFixed(2)}x`,
    })),
  );
}

/** The goals for the terminal. */
export function goalsTable(goals: readonly Goal[]): string {
  const withNoise = goals.some((g) => g.beyondNoise !== undefined);
  return table(
    goals.map((g) => ({
      goal: g.goal,
      measured: g.measured,
      verdict: g.met === null ? 'not run' : g.met ? 'met' : 'MISSED',
      ...(withNoise ? { 'beyond noise?': g.beyondNoise ?? '' } : {}),
    })),
  );
}
