/** The Java producer, through the perf tool that ships in the Kafka jars (ProducerPerformance). */
import { ensureKafkaJars, kafkaVersion } from '../../scripts/kafka/install.ts';
import type { Measured } from '../results.ts';
import { exec } from './exec.ts';

/**
 * Producer settings beyond the defaults. acks=all like every contender; idempotence off because
 * no other contender is idempotent (the Java client turns it on by default since 3.0); batches of
 * up to 1 MiB like the Writer's and kafka-go's batchBytes (the 16 KB default splits what the
 * others send in one batch). `BENCH_JAVA_PROPS` (space-separated k=v) replaces them.
 */
export const JAVA_PROPS = ['acks=all', 'enable.idempotence=false', 'batch.size=1048576', 'linger.ms=5'];

/**
 * Streams `(rounds + 1) * messages` records through one producer and reads the tool's steady-state
 * summary (the first `messages` records are its warm-up: JIT, connections). The Java producer has
 * no "call of 1,000": it batches a stream, so the row's time is messages / steady-state rate.
 */
export async function javaProducer(options: {
  brokers: string[];
  topic: string;
  messages: number;
  valueBytes: number;
  rounds: number;
  props: string[];
}): Promise<Measured> {
  const [libs, version] = await Promise.all([ensureKafkaJars(), kafkaVersion()]);
  const { stdout } = await exec(
    'java',
    [
      '-cp',
      `${libs}/*`,
      'org.apache.kafka.tools.ProducerPerformance',
      '--bootstrap-server',
      options.brokers.join(','),
      '--topic',
      options.topic,
      '--num-records',
      String(options.messages * (options.rounds + 1)),
      '--warmup-records',
      String(options.messages),
      '--record-size',
      String(options.valueBytes),
      '--throughput',
      '-1',
      // Keys 0..999 round-robin: 1,000 distinct keys like the others, hashed by murmur2.
      '--key-distribution',
      'range',
      '--record-key-range',
      '1000',
      '--command-property',
      ...options.props,
    ],
    { hint: 'install a Java 17+ runtime' },
  );
  const line = stdout.split('\n').find((l) => l.includes('steady state records sent'));
  const match = line
    ? /([\d.]+) records\/sec.*?([\d.]+) ms 50th, ([\d.]+) ms 95th, ([\d.]+) ms 99th/.exec(line)
    : null;
  if (!match) throw new Error(`ProducerPerformance printed no steady-state summary:\n${stdout}`);
  const rate = Number(match[1]);
  const ms = (options.messages / rate) * 1000;
  return {
    id: 'java',
    contender: 'Java producer (ProducerPerformance, streamed)',
    kind: 'peer',
    roundsMs: [ms],
    callMs: [],
    note: `kafka-clients ${version}; no calls: per-record send->ack p50 ${match[2]} ms, p99 ${match[4]} ms; ${options.props.join(' ')}`,
  };
}
