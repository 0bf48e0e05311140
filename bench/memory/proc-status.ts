import { readFile } from 'node:fs/promises';

/** A process's resident memory from /proc/<pid>/status, in bytes. */
export interface ResidentMemory {
  /** VmRSS: resident now. */
  rssBytes: number;
  /** VmHWM: the highest resident set since the process started (what a memory limit meets). */
  peakRssBytes: number;
  /** RssAnon: anonymous pages (heaps, buffers) of VmRSS. */
  anonBytes: number;
  /** RssFile: file-backed pages (the node binary's code and data as it runs) of VmRSS. */
  fileBytes: number;
}

const kB = (status: string, field: string): number => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`/proc status has no ${field}`);
  return Number(match[1]) * 1024;
};

/** Reads VmRSS and VmHWM of `pid` (Linux only). */
export async function residentMemory(pid: number): Promise<ResidentMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return {
    rssBytes: kB(status, 'VmRSS'),
    peakRssBytes: kB(status, 'VmHWM'),
    anonBytes: kB(status, 'RssAnon'),
    fileBytes: kB(status, 'RssFile'),
  };
}
