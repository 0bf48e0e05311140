import { describe, expect, it } from 'vitest';
import { cpuMsFromStat, processCpuClock } from '../../../bench/broker-cpu.ts';

// Fields 3.. of a real /proc/<pid>/stat line: state, ppid, pgrp, session, tty, tpgid, flags,
// minflt, cminflt, majflt, cmajflt, then utime (250 ticks) and stime (50 ticks).
const AFTER_NAME = 'S 1 1234 1234 0 -1 4194560 9512 0 3 0 250 50 0 0 20 0 61 0 3391 4398047232';

describe('cpuMsFromStat', () => {
  it('adds utime and stime and converts ticks to milliseconds', () => {
    expect(cpuMsFromStat(`1234 (java) ${AFTER_NAME}`, 100)).toBe(3000);
    expect(cpuMsFromStat(`1234 (java) ${AFTER_NAME}`, 1000)).toBe(300);
  });

  it('counts fields from the last parenthesis, whatever the command name holds', () => {
    expect(cpuMsFromStat(`1234 (kafka (node 1) x) ${AFTER_NAME}`, 100)).toBe(3000);
  });

  it('refuses text that is not a stat line', () => {
    expect(() => cpuMsFromStat('no parenthesis here', 100)).toThrow(/not a \/proc/);
    expect(() => cpuMsFromStat('1 (x) S 1', 100)).toThrow(/no utime\/stime/);
  });
});

describe('processCpuClock', () => {
  it("follows a real process's CPU time in milliseconds", () => {
    const clock = processCpuClock(process.pid);
    const before = clock();
    const usageBefore = process.cpuUsage();
    let spin = 0;
    while ((process.cpuUsage(usageBefore).user + process.cpuUsage(usageBefore).system) / 1000 < 300) spin++;
    const used = process.cpuUsage(usageBefore);
    const byUsage = (used.user + used.system) / 1000;
    const byClock = clock() - before;
    expect(spin).toBeGreaterThan(0);
    // The same CPU time through /proc (10 ms ticks, the other threads too) as through the process's
    // own count: a unit or field mistake would be off by 10x or more, or stay at 0.
    expect(byClock).toBeGreaterThan(byUsage * 0.5);
    expect(byClock).toBeLessThan(byUsage * 2 + 50);
  });
});
