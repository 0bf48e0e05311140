/** kafka-go's Writer (the seed document's library) through bench/peers/kafka-go-writer. */
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/kafka/paths.ts';
import type { Measured } from '../results.ts';
import { BENCH_CACHE_DIR, exec, sourceDigest } from './exec.ts';

const SOURCE_DIR = join(PROJECT_ROOT, 'bench', 'peers', 'kafka-go-writer');

/** Builds the Go program once per source change (the first build fetches kafka-go via the proxy). */
async function build(): Promise<string> {
  const digest = await sourceDigest(['main.go', 'go.mod', 'go.sum'].map((f) => join(SOURCE_DIR, f)));
  const binary = join(BENCH_CACHE_DIR, `kafka-go-writer-${digest}`);
  if (existsSync(binary)) return binary;
  await mkdir(BENCH_CACHE_DIR, { recursive: true });
  await exec('go', ['build', '-o', `${binary}.partial`, '.'], {
    cwd: SOURCE_DIR,
    timeoutMs: 300_000,
    hint: 'install Go and put `go` on PATH',
  });
  await rename(`${binary}.partial`, binary);
  return binary;
}

/** Runs kafka-go's Writer: sync WriteMessages calls of `chunk`, one warm-up round, then `rounds`. */
export async function kafkaGoWriter(options: {
  brokers: string[];
  topic: string;
  messages: number;
  valueBytes: number;
  chunk: number;
  rounds: number;
  batchTimeout: string;
}): Promise<Measured> {
  const binary = await build();
  const { stdout } = await exec(binary, [
    `-brokers=${options.brokers.join(',')}`,
    `-topic=${options.topic}`,
    `-messages=${options.messages}`,
    `-value-bytes=${options.valueBytes}`,
    `-chunk=${options.chunk}`,
    `-rounds=${options.rounds}`,
    `-batch-timeout=${options.batchTimeout}`,
  ]);
  const result = JSON.parse(stdout) as { roundsMs: number[]; callMs: number[] };
  return {
    id: 'kafka-go',
    contender: `kafka-go Writer sync (BatchSize ${options.chunk}, BatchTimeout ${options.batchTimeout})`,
    kind: 'peer',
    roundsMs: result.roundsMs,
    callMs: result.callMs,
    note: 'segmentio/kafka-go v0.4.51, Go',
  };
}
