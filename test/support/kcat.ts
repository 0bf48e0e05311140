import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureKcat } from '../../scripts/setup/ensure-kcat.ts';

/** One record as kcat (librdkafka) read it back from the broker. */
export interface KcatRecord {
  topic: string;
  partition: number;
  offset: number;
  /** `null` is a nil key; an empty Buffer is an empty key. */
  key: Buffer | null;
  /** `null` is a null value (tombstone); an empty Buffer is an empty value. */
  value: Buffer | null;
  /** Headers by name; when a name repeats, the last one wins (Java's `lastHeader`). */
  headers: Record<string, Buffer | null>;
  /** Every header in record order, repeats included. */
  headerList: [name: string, value: Buffer | null][];
  timestampMs: number;
  timestampType: 'create' | 'logappend' | 'unknown';
}

/** Options for consumeWithKcat. */
export interface ConsumeWithKcatOptions {
  /** How many records to wait for; without it, returns what the topic holds now. */
  count?: number;
  /** Accept more than `count` records (retried writes may duplicate); otherwise more is an error. */
  atLeast?: boolean;
  /** How long to wait for `count` records. @default 30_000 */
  timeoutMs?: number;
  /** Extra librdkafka properties (`-X name=value`), e.g. for SASL/TLS listeners. */
  config?: Record<string, string>;
}

let kcat: Promise<string> | undefined;

/**
 * Reads a whole topic with kcat, librdkafka's CLI, as a peer client sees it: every partition
 * from the beginning, CRCs checked, sorted by partition then offset. Keys, values and headers
 * come back byte for byte: kcat's JSON envelope writes bytes above 0x7f unescaped and escapes
 * the rest, so parsing it as latin1 recovers the exact bytes, and it writes `null` for a nil
 * key or value where `-f` formats cannot tell nil from empty.
 *
 * With `count`, it re-reads until that many records are there (or `timeoutMs` passes) and
 * fails if there are more, unless `atLeast` is set. A failing kcat run (say, a topic whose
 * metadata has not reached every broker) is retried until the deadline, then reported with
 * kcat's stderr.
 *
 * @example
 * const records = await consumeWithKcat(brokers, topic, { count: 3 });
 * expect(records.map((r) => r.value?.toString())).toEqual(['a', 'b', 'c']);
 */
export async function consumeWithKcat(
  brokers: string[],
  topic: string,
  options: ConsumeWithKcatOptions = {},
): Promise<KcatRecord[]> {
  const command = await kcatCommand();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const args = ['-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-J', '-q'];
  args.push('-X', 'check.crcs=true');
  for (const [name, value] of Object.entries(options.config ?? {})) args.push('-X', `${name}=${value}`);
  while (true) {
    let records: KcatRecord[];
    try {
      records = await readOnce(command, args, Math.max(deadline - Date.now(), 5000));
    } catch (error) {
      // Metadata of a just-created topic may not have reached every broker yet: try again.
      if (Date.now() >= deadline) throw error;
      await sleep(250);
      continue;
    }
    const { count } = options;
    if (count === undefined || records.length === count) return records;
    if (records.length > count) {
      if (options.atLeast) return records;
      throw new Error(`kcat read ${records.length} records from ${topic}, expected exactly ${count}`);
    }
    if (Date.now() >= deadline) {
      throw new Error(`kcat read ${records.length} of ${count} records from ${topic} within ${timeoutMs} ms`);
    }
    await sleep(250);
  }
}

function kcatCommand(): Promise<string> {
  kcat ??= ensureKcat().catch((error: unknown) => {
    kcat = undefined;
    throw error;
  });
  return kcat;
}

/** Parses kcat's `-J` output (one JSON envelope per line, read as latin1) into records. */
export function parseKcatJson(output: Buffer): KcatRecord[] {
  const records: KcatRecord[] = [];
  for (const line of output.toString('latin1').split('\n')) {
    if (line.trim() === '') continue;
    const envelope = JSON.parse(line) as KcatEnvelope;
    const headerList: [string, Buffer | null][] = [];
    const flat = envelope.headers ?? [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      headerList.push([bytes(flat[i] ?? '')?.toString('utf8') ?? '', bytes(flat[i + 1] ?? null)]);
    }
    records.push({
      topic: envelope.topic,
      partition: envelope.partition,
      offset: envelope.offset,
      key: bytes(envelope.key),
      value: bytes(envelope.payload),
      headers: Object.fromEntries(headerList),
      headerList,
      timestampMs: envelope.ts,
      timestampType: envelope.tstype,
    });
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

interface KcatEnvelope {
  topic: string;
  partition: number;
  offset: number;
  tstype: KcatRecord['timestampType'];
  ts: number;
  headers?: (string | null)[];
  key: string | null;
  payload: string | null;
}

function bytes(latin1: string | null): Buffer | null {
  return latin1 === null ? null : Buffer.from(latin1, 'latin1');
}

async function readOnce(command: string, args: string[], timeoutMs: number): Promise<KcatRecord[]> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  // A partition without a leader keeps kcat from ever reaching the end: never wait forever.
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve([c, s]));
  }).finally(() => clearTimeout(timer));
  if (code !== 0) {
    const why = signal ? `was killed after ${timeoutMs} ms` : `exited with ${code}`;
    throw new Error(`kcat ${args.join(' ')} ${why}: ${Buffer.concat(stderr).toString().trim().slice(-2000)}`);
  }
  return parseKcatJson(Buffer.concat(stdout));
}
