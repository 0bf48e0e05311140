/**
 * The proposed lib/ change measured inside `npm run bench`: the Writer or the SQS handler in a
 * child process whose kafkajs encodes Produce requests with the prototype encoder, alternating
 * rounds with the other contenders. A child process, because the swap applies to every client in
 * a process and the baseline must stay raw kafkajs.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/kafka/paths.ts';
import type { Contender } from '../contender.ts';
import { remoteContender } from '../remote-contender.ts';

const HERE = join(PROJECT_ROOT, 'bench', 'prototypes');

/** The command line of a child running `contender` (writer | sqs), with or without the encoder. */
export function childArgs(options: {
  contender: 'writer' | 'sqs';
  prototype: boolean;
  brokers: string[];
  topic: string;
  messages: number;
  valueBytes: number;
  chunk: number;
}): string[] {
  return [
    '--import',
    'tsx',
    ...(options.prototype ? ['--import', join(HERE, 'install-fast-produce.ts')] : []),
    join(HERE, 'rounds-child.ts'),
    options.brokers.join(','),
    options.topic,
    options.contender,
    String(options.messages),
    String(options.valueBytes),
    String(options.chunk),
  ];
}

/**
 * The Writer in a process of its own with kafkajs' own encoder: the control for the proposed
 * encoder's row (same process layout, only the encoder differs).
 */
export function writerOwnProcess(options: {
  brokers: string[];
  topic: string;
  messages: number;
  valueBytes: number;
  chunk: number;
}): Promise<Contender> {
  return remoteContender({
    id: 'writer-own-process',
    name: `Writer sync (batchSize ${options.chunk}), own process`,
    kind: 'writer',
    note: 'the control for the proposed encoder: same child process, kafkajs encoder',
    command: process.execPath,
    args: childArgs({ ...options, contender: 'writer', prototype: false }),
  });
}

/** The Writer or the SQS handler with the prototype encoder, as an alternating contender. */
export function withPrototypeEncoder(options: {
  contender: 'writer' | 'sqs';
  brokers: string[];
  topic: string;
  messages: number;
  valueBytes: number;
  chunk: number;
}): Promise<Contender> {
  const args = childArgs({ ...options, prototype: true });
  return remoteContender(
    options.contender === 'writer'
      ? {
          id: 'writer-prototype-encoder',
          name: `Writer sync (batchSize ${options.chunk}) + proposed encoder`,
          kind: 'writer',
          note: 'bench/prototypes/produce-encoding.ts swapped into kafkajs, own process (proposed lib/ change)',
          command: process.execPath,
          args,
        }
      : {
          id: 'sqs-prototype-encoder',
          name: `SQS handler (invocations of ${options.chunk} records) + proposed encoder`,
          kind: 'lambda',
          note: 'as above, for the SQS path',
          command: process.execPath,
          args,
        },
  );
}
