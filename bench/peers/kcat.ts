/** librdkafka through kcat (Debian's librdkafka has no rdkafka_performance; kcat -P -l it is). */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureKcat } from '../../scripts/setup/ensure-kcat.ts';
import { median } from '../measure.ts';
import type { Measured } from '../results.ts';
import { keyOf } from '../workload.ts';
import { BENCH_CACHE_DIR, exec } from './exec.ts';

/**
 * librdkafka settings: acks=all like every contender, idempotence off (as for the others),
 * murmur2_random so keys land where the Java client and kafkajs put them; batching as librdkafka
 * defaults it (linger.ms 5, up to 10,000 messages / 1 MB per batch).
 */
export const KCAT_PROPS = ['acks=all', 'enable.idempotence=false', 'partitioner=murmur2_random'];

/** The workload as kcat's input: one `key<TAB>value` line per message. */
async function inputFile(messages: number, valueBytes: number): Promise<string> {
  const path = join(BENCH_CACHE_DIR, `kcat-${messages}x${valueBytes}.txt`);
  if (existsSync(path)) return path;
  await mkdir(BENCH_CACHE_DIR, { recursive: true });
  const value = 'x'.repeat(valueBytes);
  const lines: string[] = [];
  for (let i = 0; i < messages; i++) lines.push(`${keyOf(i)}\t${value}\n`);
  await writeFile(path, lines.join(''));
  return path;
}

/**
 * One kcat process per round (after one warm-up), timed from spawn to exit, which includes
 * process start, connecting and fetching metadata; those are measured with a one-message file in
 * the same rounds and subtracted, leaving librdkafka's sending time.
 */
export async function librdkafka(options: {
  brokers: string[];
  topic: string;
  messages: number;
  valueBytes: number;
  rounds: number;
}): Promise<Measured & { startupMs: number; wallMs: number[] }> {
  const kcat = await ensureKcat();
  const full = await inputFile(options.messages, options.valueBytes);
  const one = await inputFile(1, options.valueBytes);
  const args = (file: string) => [
    '-P',
    '-b',
    options.brokers.join(','),
    '-t',
    options.topic,
    '-K',
    '\t',
    '-l',
    ...KCAT_PROPS.flatMap((p) => ['-X', p]),
    file,
  ];
  const wall: number[] = [];
  const startup: number[] = [];
  for (let round = 0; round <= options.rounds; round++) {
    const a = await exec(kcat, args(full));
    const b = await exec(kcat, args(one));
    if (a.stderr.includes('fail') || b.stderr.includes('fail'))
      throw new Error(`kcat reported:\n${a.stderr}`);
    if (round === 0) continue;
    wall.push(a.wallMs);
    startup.push(b.wallMs);
  }
  const startupMs = median(startup);
  return {
    id: 'librdkafka',
    contender: 'librdkafka (kcat -P -l, streamed)',
    kind: 'peer',
    roundsMs: wall.map((w) => Math.max(0.1, w - startupMs)),
    callMs: [],
    note: `librdkafka 2.0.2; process start + connect (${startupMs.toFixed(0)} ms, 1-message run) subtracted`,
    startupMs,
    wallMs: wall,
  };
}
