/**
 * The proposed lib/ change measured inside `npm run bench`: the Writer and the SQS handler in a
 * child process whose kafkajs encodes Produce requests with the prototype encoder. A child
 * process, because the swap applies to every client in a process and the baseline must stay
 * raw kafkajs.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/kafka/paths.ts';
import { exec } from '../peers/exec.ts';
import type { Measured } from '../results.ts';

const HERE = join(PROJECT_ROOT, 'bench', 'prototypes');

/** Runs `contender` (writer | sqs) with the prototype encoder: a warm-up round, then `rounds`. */
export async function withPrototypeEncoder(options: {
  contender: 'writer' | 'sqs';
  brokers: string[];
  topic: string;
  messages: number;
  rounds: number;
  valueBytes: number;
  chunk: number;
}): Promise<Measured> {
  const { stdout } = await exec(process.execPath, [
    '--import',
    'tsx',
    '--import',
    join(HERE, 'install-fast-produce.ts'),
    join(HERE, 'rounds-child.ts'),
    options.brokers.join(','),
    options.topic,
    options.contender,
    String(options.messages),
    String(options.rounds),
    String(options.valueBytes),
    String(options.chunk),
  ]);
  const { roundsMs } = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { roundsMs: number[] };
  return options.contender === 'writer'
    ? {
        id: 'writer-prototype-encoder',
        contender: `Writer sync (batchSize ${options.chunk}) + proposed encoder`,
        kind: 'writer',
        roundsMs,
        callMs: [],
        note: 'bench/prototypes/produce-encoding.ts swapped into kafkajs, child process (proposed lib/ change)',
      }
    : {
        id: 'sqs-prototype-encoder',
        contender: `SQS handler (invocations of ${options.chunk} records) + proposed encoder`,
        kind: 'lambda',
        roundsMs,
        callMs: [],
        note: 'as above, for the SQS path',
      };
}
