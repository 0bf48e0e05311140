/**
 * A contender in another process (kafka-go's Writer) that stays connected and runs one round per
 * request, so its rounds alternate with the in-process contenders' and a load spike on the
 * machine hits every contender alike.
 *
 * Protocol, one line each: the child prints `ready` once connected; for every `round` line on its
 * stdin it sends the workload once and prints `{"ms", "callMs": [...], "cpuMicrosPerMessage"}`;
 * `slice I N` does the same for the calls of slice I of N (bench/contender.ts RoundSlice, the same
 * arithmetic), its CPU per message over that slice's messages; it closes its clients and exits
 * when stdin ends.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Contender } from './contender.ts';
import type { ContenderKind } from './results.ts';

/** How to start the child, and how its rows are labelled. */
export interface RemoteSpec {
  id: string;
  name: string;
  kind: ContenderKind;
  note?: string;
  command: string;
  args: readonly string[];
  /** How long connecting and one round may take. @default 120_000 */
  timeoutMs?: number;
}

/** Starts the child and resolves once it printed `ready`. */
export async function remoteContender(spec: RemoteSpec): Promise<Contender> {
  const timeoutMs = spec.timeoutMs ?? 120_000;
  const child = spawn(spec.command, spec.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  const failure = (why: string) =>
    new Error(`${spec.id} (${spec.command}) ${why}:\n${stderr.join('').slice(-3000)}`);
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  child.on('error', (error) => {
    for (const w of waiting.splice(0)) w.reject(failure(`could not start: ${error.message}`));
  });
  child.on('exit', (code, signal) => {
    for (const w of waiting.splice(0)) w.reject(failure(`exited (${signal ?? code})`));
  });
  const next = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(failure(`gave no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.push({
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });

  const first = await next();
  if (first !== 'ready') throw failure(`said "${first}" instead of "ready"`);
  return {
    id: spec.id,
    name: spec.name,
    kind: spec.kind,
    ...(spec.note ? { note: spec.note } : {}),
    sliceable: true,
    round: async (onCall, slice) => {
      child.stdin.write(slice ? `slice ${slice.index} ${slice.of}\n` : 'round\n');
      const answer = JSON.parse(await next()) as {
        ms: number;
        callMs: number[];
        cpuMicrosPerMessage?: number;
        messages?: number;
      };
      for (const ms of answer.callMs) onCall(ms);
      // The child's own clock: the pipe's round trip is not the contender's time.
      return {
        ms: answer.ms,
        cpuMicrosPerMessage: answer.cpuMicrosPerMessage ?? null,
        ...(answer.messages === undefined ? {} : { messages: answer.messages }),
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}
