/** kafka-go's Writer (the seed document's library) through bench/peers/kafka-go-writer. */
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/kafka/paths.ts';
import type { Contender } from '../contender.ts';
import { remoteContender } from '../remote-contender.ts';
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

/** kafka-go's Writer as an alternating contender: sync WriteMessages calls of `chunk`. */
export async function kafkaGoWriter(options: {
  brokers: string[];
  topic: string;
  messages: number;
  valueBytes: number;
  chunk: number;
  batchTimeout: string;
  /** @default 'kafka-go' */
  id?: string;
  /** Appended to the row's footnote. */
  note?: string;
}): Promise<Contender> {
  return remoteContender({
    id: options.id ?? 'kafka-go',
    name: `kafka-go Writer sync (BatchSize ${options.chunk}, BatchTimeout ${options.batchTimeout})`,
    kind: 'peer',
    note: `segmentio/kafka-go v0.4.51, Go, own process${options.note ? `; ${options.note}` : ''}`,
    command: await build(),
    args: [
      `-brokers=${options.brokers.join(',')}`,
      `-topic=${options.topic}`,
      `-messages=${options.messages}`,
      `-value-bytes=${options.valueBytes}`,
      `-chunk=${options.chunk}`,
      `-batch-timeout=${options.batchTimeout}`,
    ],
  });
}
