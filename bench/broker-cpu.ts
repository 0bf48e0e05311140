/**
 * The local broker's CPU time, read from /proc: on loopback the broker shares the machine's cores
 * with the client, so how much CPU each contender's traffic costs the broker explains throughput
 * that the client's own CPU per message does not (a contender that sends more, smaller requests
 * makes the broker work harder for the same messages).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * User + system CPU milliseconds of a process from the text of its /proc/<pid>/stat. The command
 * name (field 2) is in parentheses and may itself hold spaces or parentheses, so fields are
 * counted from the last ')'.
 */
export function cpuMsFromStat(stat: string, ticksPerSecond: number): number {
  const end = stat.lastIndexOf(')');
  if (end < 0) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  // After "pid (comm) " come state (field 3) ... utime (14) and stime (15).
  const fields = stat
    .slice(end + 2)
    .trim()
    .split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error(`no utime/stime in /proc/<pid>/stat: ${stat.slice(0, 120)}`);
  }
  return ((utime + stime) * 1000) / ticksPerSecond;
}

/** A clock of process `pid`'s CPU milliseconds so far (every thread, GC and JIT included). */
export function processCpuClock(pid: number): () => number {
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(ticksPerSecond) || ticksPerSecond <= 0) {
    throw new Error(`getconf CLK_TCK answered "${ticksPerSecond}"`);
  }
  return () => cpuMsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), ticksPerSecond);
}
