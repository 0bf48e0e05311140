/**
 * `npm run bench:encoding`: CPU time per message of kafkajs' own Produce v3 encoder and of the
 * Writer's (lib/writer/wire/produce-request.ts), without a broker, on the same records: the
 * throughput workload (256 B values, no headers) and SQS bridge messages (four headers each).
 * Byte equality of the two is not checked here: test/unit/writer/produce-request.test.ts owns it.
 */
import { createRequire } from 'node:module';
import type { WireRecord } from '../lib/writer/transport.ts';
import { toKafkaJsTopicData } from '../lib/writer/wire/kafkajs-produce.ts';
import { encodeProduceRequestBody, type ProduceRequestBody } from '../lib/writer/wire/produce-request.ts';
import { median, table } from './measure.ts';

const require = createRequire(import.meta.url);
type KafkaJsProduce = (args: Record<string, unknown>) => { encode: () => Promise<unknown> };
const kafkajsProduceV3 = require('kafkajs/src/protocol/requests/produce/v3/request.js') as KafkaJsProduce;

const REQUESTS = 50;
const PER_REQUEST = 1000;
const PARTITIONS = 6;
const ROUNDS = 12;
/** Rounds left out of the median: JIT warm-up. */
const WARM_UP_ROUNDS = 2;

/** 50 requests of 1,000 records over 6 partitions, as the Writer's transport builds them. */
function requests(headers: boolean): ProduceRequestBody[] {
  const value = Buffer.alloc(256, 'x');
  return Array.from({ length: REQUESTS }, (_, call) => ({
    acks: -1,
    timeoutMs: 30_000,
    producerId: -1n,
    producerEpoch: 0,
    topics: [
      {
        topic: 'bench',
        partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
          partition: p,
          firstSequence: 0,
          records: Array.from(
            { length: Math.floor(PER_REQUEST / PARTITIONS) + (p < PER_REQUEST % PARTITIONS ? 1 : 0) },
            (_, i): WireRecord => ({
              key: Buffer.from(`key-${(call * PER_REQUEST + i * PARTITIONS + p) % 1000}`),
              value,
              headers: headers
                ? {
                    key: Buffer.from(`key-${i}`),
                    'sqs-message-id': Buffer.from('059f36b4-87a3-44ab-83d2-661975830a7d'),
                    'sqs-source-arn': Buffer.from('arn:aws:sqs:us-east-1:123456789012:bench-queue'),
                    'sqs-sent-timestamp': Buffer.from('1700000000000'),
                  }
                : undefined,
              timestampMs: 1_700_000_000_000,
            }),
          ),
        })),
      },
    ],
  }));
}

/** The same request in kafkajs' arguments (built before timing: only encoding is measured). */
function kafkajsArgs(body: ProduceRequestBody): Record<string, unknown> {
  return {
    acks: body.acks,
    timeout: body.timeoutMs,
    compression: 0,
    producerId: body.producerId.toString(),
    producerEpoch: body.producerEpoch,
    topicData: toKafkaJsTopicData(body),
  };
}

/** Median over rounds of user + system CPU per message; every round encodes every request once. */
async function microsPerMessage<T>(encode: (input: T) => unknown, inputs: readonly T[]): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const cpu = process.cpuUsage();
    for (const input of inputs) await encode(input);
    const used = process.cpuUsage(cpu);
    if (round >= WARM_UP_ROUNDS) samples.push((used.user + used.system) / (inputs.length * PER_REQUEST));
  }
  return median(samples);
}

const rows = [];
for (const [workload, headers] of [
  ['256 B values, no headers (throughput workload)', false],
  ['256 B values, 4 headers (SQS bridge messages)', true],
] as const) {
  const bodies = requests(headers);
  const kafkajs = await microsPerMessage((args) => kafkajsProduceV3(args).encode(), bodies.map(kafkajsArgs));
  const lib = await microsPerMessage(encodeProduceRequestBody, bodies);
  rows.push({
    workload,
    'kafkajs µs/msg': kafkajs.toFixed(2),
    'lib µs/msg': lib.toFixed(2),
    'kafkajs / lib': `${(kafkajs / lib).toFixed(1)}x`,
  });
}
console.log(
  `Produce v3 request body, ${REQUESTS} requests × ${PER_REQUEST.toLocaleString('en-US')} records over ${PARTITIONS} partitions, uncompressed; CPU per message, median of ${ROUNDS - WARM_UP_ROUNDS} rounds\n`,
);
console.log(table(rows));
