/** The Java producer, through the perf tool that ships in the Kafka jars (ProducerPerformance). */
import { ensureKafkaJars, kafkaVersion } from '../../scripts/kafka/install.ts';
import type { Contender } from '../contender.ts';
import { median } from '../measure.ts';
import { execWithCpu } from './child-cpu.ts';

/**
 * Producer settings beyond the defaults. acks=all like every contender; idempotence off because
 * no other contender is idempotent (the Java client turns it on by default since 3.0); batches of
 * up to 1 MiB like the Writer's and kafka-go's batchBytes (the 16 KB default splits what the
 * others send in one batch). `BENCH_JAVA_PROPS` (space-separated k=v) replaces them.
 */
export const JAVA_PROPS = ['acks=all', 'enable.idempotence=false', 'batch.size=1048576', 'linger.ms=5'];

/**
 * One JVM per round, so Java's rounds alternate with the others: it streams `3 * messages`
 * records, the first two thirds its warm-up (JIT, connections), and the round's time is
 * `messages` at the tool's steady-state rate. The Java producer has no "call of 1,000": it
 * batches a stream.
 */
export async function javaProducer(options: {
  brokers: string[];
  topic: string;
  /** Where the 1-record start-up runs write (not the measured topic, whose count is checked). */
  probeTopic: string;
  messages: number;
  valueBytes: number;
  props: string[];
}): Promise<Contender> {
  const [libs, version] = await Promise.all([ensureKafkaJars(), kafkaVersion()]);
  const latency = { p50: [] as number[], p99: [] as number[] };
  const startupCpu: number[] = [];
  const args = (topic: string, records: number, warmup: number) => [
    '-cp',
    `${libs}/*`,
    'org.apache.kafka.tools.ProducerPerformance',
    '--bootstrap-server',
    options.brokers.join(','),
    '--topic',
    topic,
    '--num-records',
    String(records),
    ...(warmup > 0 ? ['--warmup-records', String(warmup)] : []),
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
  ];
  return {
    id: 'java',
    name: 'Java producer (ProducerPerformance, streamed)',
    kind: 'peer',
    get note() {
      return `kafka-clients ${version}, one JVM per round (${options.messages * 2} warm-up records); no calls: per-record send->ack p50 ${median(latency.p50)} ms, p99 ${median(latency.p99)} ms (queueing included); CPU per message over all ${javaRecordsPerRound(options.messages)} records of a JVM (warm-up and JIT included), less a 1-record JVM's ${median(startupCpu).toFixed(0)} ms; ${options.props.join(' ')}`;
    },
    round: async () => {
      const records = javaRecordsPerRound(options.messages);
      const hint = 'install a Java 17+ runtime';
      const { stdout, cpuMs } = await execWithCpu(
        'java',
        args(options.topic, records, records - options.messages),
        { hint },
      );
      startupCpu.push((await execWithCpu('java', args(options.probeTopic, 1, 0), { hint })).cpuMs);
      const line = stdout.split('\n').find((l) => l.includes('steady state records sent'));
      const match = line
        ? /([\d.]+) records\/sec.*?([\d.]+) ms 50th, ([\d.]+) ms 95th, ([\d.]+) ms 99th/.exec(line)
        : null;
      if (!match) throw new Error(`ProducerPerformance printed no steady-state summary:\n${stdout}`);
      latency.p50.push(Number(match[2]));
      latency.p99.push(Number(match[4]));
      return {
        ms: (options.messages / Number(match[1])) * 1000,
        cpuMicrosPerMessage: (Math.max(0, cpuMs - median(startupCpu)) * 1000) / records,
      };
    },
    close: async () => {},
  };
}

/** Records a Java round writes (its warm-up included), for the delivery check. */
export function javaRecordsPerRound(messages: number): number {
  return messages * 3;
}
