/**
 * CPU time of a peer process, to the microsecond. Node cannot see a child's rusage, and the
 * figures in /proc/<pid>/stat or GNU time come in 10 ms ticks (a kcat round uses ~100 ms), so the
 * command runs under a few lines of Python that wait for it and read getrusage(RUSAGE_CHILDREN):
 * Linux computes that sum from the scheduler's nanosecond runtime of every thread. The wrapper also
 * times the command from its spawn to its exit, so Python's own start-up is in neither figure.
 */
import { type ExecResult, exec } from './exec.ts';

const MARKER = 'bench-child-cpu-us';

const WRAPPER = [
  'import resource, subprocess, sys, time',
  'start = time.perf_counter()',
  'try:',
  '    code = subprocess.run(sys.argv[1:]).returncode',
  'except FileNotFoundError:',
  '    sys.exit(f"{sys.argv[1]}: not installed")',
  'wall = time.perf_counter() - start',
  'u = resource.getrusage(resource.RUSAGE_CHILDREN)',
  `sys.stderr.write("\\n${MARKER} %d %d\\n" % (round((u.ru_utime + u.ru_stime) * 1e6), round(wall * 1e6)))`,
  'sys.exit(code)',
].join('\n');

export interface MeasuredExec extends ExecResult {
  /** User + system CPU of the command and its threads, in ms. */
  cpuMs: number;
}

/**
 * exec() under the rusage wrapper: the same result, plus the command's own CPU time; `wallMs` is
 * the command's own too (spawn to exit), without the wrapper's start-up.
 */
export async function execWithCpu(
  command: string,
  args: readonly string[],
  options: Parameters<typeof exec>[2] = {},
): Promise<MeasuredExec> {
  const result = await exec('python3', ['-c', WRAPPER, command, ...args], {
    ...options,
    label: `${command} ${args.join(' ')} (under python3, which measures its CPU time${options.hint ? `; ${options.hint}` : ''})`,
  });
  const match = new RegExp(`\\n${MARKER} (\\d+) (\\d+)\\n$`).exec(result.stderr);
  if (!match)
    throw new Error(`${command}: the CPU wrapper printed no figure:\n${result.stderr.slice(-2000)}`);
  return {
    ...result,
    stderr: result.stderr.slice(0, match.index),
    cpuMs: Number(match[1]) / 1000,
    wallMs: Number(match[2]) / 1000,
  };
}
