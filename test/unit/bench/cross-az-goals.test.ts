import { describe, expect, it } from 'vitest';
import { crossAzGoals } from '../../../bench/cross-az.ts';
import { goalsTable } from '../../../bench/report.ts';
import { latencyRow, resultsJson, type ThroughputRow } from '../../../bench/results.ts';

function row(id: string, kind: ThroughputRow['kind'], roundsMs: number[], callMs: number[]): ThroughputRow {
  const sorted = [...roundsMs].sort((a, b) => a - b);
  const medianMs = sorted[Math.ceil(sorted.length / 2) - 1] as number;
  const calls = [...callMs].sort((a, b) => a - b);
  return {
    id,
    contender: id,
    kind,
    medianMs,
    msgsPerSec: Math.round(20_000 / (medianMs / 1000)),
    mbPerSec: 1,
    p50Ms: calls[Math.ceil(calls.length / 2) - 1] as number,
    p99Ms: calls[Math.ceil(calls.length * 0.99) - 1] as number,
    cpuMicrosPerMessage: null,
    brokerCpuMicrosPerMessage: null,
    ratioToKafkajs: 1,
    note: '',
    roundsMs,
    callMs,
    undelivered: 0,
  };
}

describe('crossAzGoals', () => {
  it('says whether each difference is beyond the run’s noise', () => {
    const calls = Array.from({ length: 1_000 }, (_, i) => 5 + (i % 100) / 10);
    // The Writer is faster in every round; its calls are the peer's, 2 ms quicker each.
    const writer = row('writer-lambda', 'writer', [100, 300, 101, 301, 102, 302], calls);
    const ahead = row(
      'kafkajs',
      'peer',
      [110, 310, 111, 311, 112, 312],
      calls.map((ms) => ms + 2),
    );
    // A peer level with the Writer: faster in half the rounds, the same calls.
    const level = row('platformatic', 'peer', [99, 302, 100, 303, 101, 303], calls);
    const goals = crossAzGoals([writer, ahead, level], []);

    const verdict = (goal: string) => goals.find((g) => g.goal === goal)?.beyondNoise;
    expect(verdict('writer-lambda msgs/s >= kafkajs')).toBe('yes, ahead (faster in 6 of 6 rounds, p 0.031)');
    expect(verdict('writer-lambda p99 per call <= kafkajs')).toBe(
      'yes, ahead (95 % interval of the difference -2.00 to -2.00 ms)',
    );
    expect(verdict('writer-lambda msgs/s >= platformatic')).toBe('no (faster in 3 of 6 rounds, p 1.000)');
    expect(verdict('writer-lambda p99 per call <= platformatic')).toMatch(
      /^no \(95 % interval .* 0\.00 to 0\.00 ms\)$/,
    );
    expect(goalsTable(goals)).toContain('beyond noise?');
  });

  it('says when the Writer is behind beyond noise, whatever the medians say', () => {
    const calls = Array.from({ length: 1_000 }, (_, i) => 5 + (i % 100) / 10);
    // The Writer's median round is the faster one, yet the peer won every round but one.
    const writer = row('writer-async', 'writer', [100, 100, 100, 100, 100, 100, 100, 100, 50], []);
    const peer = row('librdkafka', 'peer', [99, 99, 99, 99, 99, 99, 99, 99, 200], []);
    const sync = [
      row('writer-lambda', 'writer', [100], calls),
      row(
        'kafkajs',
        'peer',
        [100],
        calls.map((ms) => ms - 1),
      ),
    ];
    const goals = crossAzGoals(sync, [writer, peer]);

    const streamed = goals.find((g) => g.goal === 'writer-async msgs/s >= librdkafka');
    expect(streamed?.met).toBe(false);
    expect(streamed?.beyondNoise).toBe('yes, behind (faster in 1 of 9 rounds, p 0.039)');
    expect(goals.find((g) => g.goal === 'writer-lambda p99 per call <= kafkajs')?.beyondNoise).toBe(
      'yes, behind (95 % interval of the difference +1.00 to +1.00 ms)',
    );
  });
});

describe('crossAzGoals for one message per call', () => {
  it('judges the Writer’s single-write p99 against kafkajs send with the same interval', () => {
    const calls = Array.from({ length: 1_000 }, (_, i) => 5 + (i % 100) / 10);
    const kafkajsSend = latencyRow('kafkajs-send', 'kafkajs send', calls, undefined);
    const quicker = latencyRow(
      'writer-lambda',
      'Writer',
      calls.map((ms) => ms - 0.5),
      kafkajsSend.meanMs,
    );
    const goals = crossAzGoals([], [], [kafkajsSend, quicker]);

    const single = goals.find((g) => g.goal === 'writer-lambda single write p99 <= kafkajs-send');
    expect(single?.measured).toBe('14.4 vs 14.9 ms');
    expect(single?.met).toBe(true);
    expect(single?.beyondNoise).toBe('yes, ahead (95 % interval of the difference -0.50 to -0.50 ms)');
  });

  it('leaves the verdict out when the rows carry no samples (as read back from a results file)', () => {
    const calls = Array.from({ length: 200 }, (_, i) => 5 + (i % 10));
    const { callMs: _dropped, ...kafkajsSend } = latencyRow('kafkajs-send', 'kafkajs send', calls, undefined);
    const { callMs: _alsoDropped, ...writer } = latencyRow(
      'writer-lambda',
      'Writer',
      calls.map((ms) => ms + 1),
      undefined,
    );
    const goals = crossAzGoals([], [], [kafkajsSend, writer]);

    const single = goals.find((g) => g.goal === 'writer-lambda single write p99 <= kafkajs-send');
    expect(single?.met).toBe(false);
    expect(single).not.toHaveProperty('beyondNoise');
  });
});

describe('resultsJson', () => {
  it('writes the rows without their call samples, and everything else as it is', () => {
    const results = { date: 'd', sync: [{ id: 'a', p99Ms: 1.5, callMs: [1, 2], roundsMs: [3] }] };
    expect(JSON.parse(resultsJson(results))).toEqual({
      date: 'd',
      sync: [{ id: 'a', p99Ms: 1.5, roundsMs: [3] }],
    });
    expect(resultsJson(results).endsWith('}\n')).toBe(true);
  });
});
