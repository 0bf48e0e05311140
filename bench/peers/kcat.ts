/** librdkafka through kcat (Debian's librdkafka has no rdkafka_performance; kcat -P -l it is). */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureKcat } from '../../scripts/setup/ensure-kcat.ts';
import type { Contender } from '../contender.ts';
import { median } from '../measure.ts';
import { keyOf } from '../workload.ts';
import { execWithCpu } from './child-cpu.ts';
import { BENCH_CACHE_DIR } from './exec.ts';

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
 * One kcat process per round, timed from spawn to exit, which includes process start, connecting
 * and fetching metadata; a one-message run to `probeTopic` right after measures those, and the
 * median of them is subtracted, leaving librdkafka's sending time; the same for its CPU time.
 */
export async function librdkafka(options: {
  brokers: string[];
  topic: string;
  probeTopic: string;
  messages: number;
  valueBytes: number;
}): Promise<Contender> {
  const kcat = await ensureKcat();
  const full = await inputFile(options.messages, options.valueBytes);
  const one = await inputFile(1, options.valueBytes);
  const args = (topic: string, file: string) => [
    '-P',
    '-b',
    options.brokers.join(','),
    '-t',
    topic,
    '-K',
    '\t',
    '-l',
    ...KCAT_PROPS.flatMap((p) => ['-X', p]),
    file,
  ];
  const startup: number[] = [];
  const startupCpu: number[] = [];
  const run = async (topic: string, file: string) => {
    const result = await execWithCpu(kcat, args(topic, file));
    // kcat reports failed deliveries on stderr; the offset check would catch them too.
    if (/fail|error/i.test(result.stderr)) throw new Error(`kcat reported:\n${result.stderr}`);
    return result;
  };
  return {
    id: 'librdkafka',
    name: 'librdkafka (kcat -P -l, streamed)',
    kind: 'peer',
    get note() {
      return `librdkafka 2.0.2, one process per round; process start + connect (median ${median(startup).toFixed(0)} ms, ${median(startupCpu).toFixed(1)} ms CPU, 1-message runs) subtracted from its time and CPU`;
    },
    round: async () => {
      const sent = await run(options.topic, full);
      const probe = await run(options.probeTopic, one);
      startup.push(probe.wallMs);
      startupCpu.push(probe.cpuMs);
      return {
        ms: Math.max(0.1, sent.wallMs - median(startup)),
        cpuMicrosPerMessage: (Math.max(0, sent.cpuMs - median(startupCpu)) * 1000) / options.messages,
      };
    },
    close: async () => {},
  };
}
