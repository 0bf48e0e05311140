/**
 * A local server run as a detached process with its own log and pid file, found again by the pid
 * file after a crashed run: moto and Apicurio Registry start this way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, portAnswers, stopProcess } from './processes.ts';

/** What the pid file records: the server, and the process that started it. */
interface PidRecord {
  pid: number;
  owner: number;
}

export interface DetachedServerFiles {
  /** Names the server in errors: `moto_server`, `Apicurio Registry`. */
  name: string;
  port: number;
  logPath: string;
  pidPath: string;
  /** Whether a live pid is this kind of server (a recycled pid of another program is never killed). */
  isOurs: (pid: number) => boolean;
}

/** Starts `command` detached, output to the log file, and records its pid with ours as the owner. */
export async function launchDetached(
  files: DetachedServerFiles,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<ChildProcess> {
  const log = openSync(files.logPath, 'w');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log], env });
  child.unref();
  if (child.pid) {
    const record: PidRecord = { pid: child.pid, owner: process.pid };
    await writeFile(files.pidPath, JSON.stringify(record));
  }
  return child;
}

/**
 * Makes the port usable: kills a server left on it by a run that is gone; one whose starter is
 * still alive belongs to another run (killing it would break that run), so this throws instead,
 * as it does when anything else holds the port.
 */
export async function clearPort(files: DetachedServerFiles): Promise<void> {
  const record = await readPidRecord(files.pidPath);
  if (record && files.isOurs(record.pid)) {
    if (isAlive(record.owner)) {
      throw new Error(
        `port ${files.port} is served by a ${files.name} (pid ${record.pid}) that live process ${record.owner} started; use another port`,
      );
    }
    await stopProcess(record.pid, 'SIGTERM', 10_000);
  }
  await rm(files.pidPath, { force: true });
  if (await portAnswers(files.port)) {
    throw new Error(
      `port ${files.port} is already in use on 127.0.0.1; stop whatever holds it (ss -ltnp | grep ${files.port}) or pick another port`,
    );
  }
}

/** Stops the server (SIGTERM, then SIGKILL after `timeoutMs`) and removes its pid file. */
export async function stopDetached(
  files: DetachedServerFiles,
  child: ChildProcess | undefined,
  timeoutMs = 10_000,
): Promise<void> {
  const pid = child?.pid ?? (await readPidRecord(files.pidPath))?.pid;
  if (pid) await stopProcess(pid, 'SIGTERM', timeoutMs);
  await rm(files.pidPath, { force: true });
}

/** The last lines of the server's log, for error messages. */
export function logTail(logPath: string, lines = 40): string {
  if (!existsSync(logPath)) return `(no log at ${logPath})`;
  return readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n');
}

/** Whether `pid` is alive and its command line contains `marker` (no /proc: trust the pid file). */
export function commandLineIncludes(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return true;
  }
}

async function readPidRecord(pidPath: string): Promise<PidRecord | undefined> {
  if (!existsSync(pidPath)) return undefined;
  try {
    const record = JSON.parse(await readFile(pidPath, 'utf8')) as PidRecord;
    return Number.isInteger(record.pid) && record.pid > 0 ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Polls `url` until it answers 2xx. Fails at once, with the log tail, if the server's process
 * exits meanwhile, and at the deadline naming the last problem seen.
 */
export async function waitUntilAnswers(options: {
  name: string;
  port: number;
  url: string;
  child: ChildProcess | undefined;
  timeoutMs: number;
  pollMs: number;
  logTail: () => string;
}): Promise<void> {
  const { name, port, url, child } = options;
  const deadline = Date.now() + options.timeoutMs;
  const path = new URL(url).pathname;
  let lastProblem = 'not started';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(
        `${name} on port ${port} exited with code ${child.exitCode} while starting. Log tail:\n${options.logTail()}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
      lastProblem = `GET ${path} answered ${response.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await sleep(options.pollMs);
  }
  throw new Error(
    `${name} on port ${port} not ready after ${options.timeoutMs} ms (${lastProblem}). Log tail:\n${options.logTail()}`,
  );
}
