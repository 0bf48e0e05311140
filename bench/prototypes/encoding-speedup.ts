/**
 * `npm run bench:encoding`: checks the prototype Produce encoder (produce-encoding.ts) writes
 * exactly the bytes kafkajs writes, then measures both encoders' CPU time per message, without a
 * broker: plain messages (the throughput workload) and SQS-bridge messages (four headers each).
 */
import { createRequire } from 'node:module';
import { median } from '../measure.ts';
import { encodeProduceBody, type ProduceBody, type ProduceMessage } from './produce-encoding.ts';

const require = createRequire(import.meta.url);
type Factory = (args: ProduceBody) => { encode: () => Promise<{ buffer: Buffer }> };
const kafkajsProduceV3 = require('kafkajs/src/protocol/requests/produce/v3/request.js') as Factory;

/** A deterministic pseudo-random source, so a failing case can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomMessage(next: () => number, i: number): ProduceMessage {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T;
  const text = (n: number) => 'aé€😀x'.repeat(n).slice(0, n);
  return {
    key: pick([null, undefined, '', `k${i}`, Buffer.from([i & 255, 0, 200]), text(Math.floor(next() * 300))]),
    value: pick([
      null,
      '',
      `v${i}`,
      Buffer.alloc(Math.floor(next() * 20000), i & 255),
      text(Math.floor(next() * 70)),
    ]),
    headers: pick([
      undefined,
      {},
      { a: 'x', b: Buffer.from([1, 2]) },
      { 'sqs-message-id': `id-${i}`, multi: ['1', Buffer.from('2'), ''], empty: '' },
    ]),
    timestamp: pick([
      undefined,
      null,
      1_700_000_000_000 + Math.floor(next() * 1e6),
      String(1_700_000_000_123),
    ]),
  };
}

function randomBody(seed: number): ProduceBody {
  const next = random(seed);
  const topics = 1 + Math.floor(next() * 3);
  return {
    transactionalId: next() < 0.2 ? 'tx-1' : null,
    acks: [-1, 0, 1][Math.floor(next() * 3)] as number,
    timeout: 30_000,
    producerId: next() < 0.3 ? 4242 : -1,
    producerEpoch: next() < 0.3 ? 3 : 0,
    topicData: Array.from({ length: topics }, (_, t) => ({
      topic: `topic-${t}-${'é'.repeat(t)}`,
      partitions: Array.from({ length: 1 + Math.floor(next() * 6) }, (_, p) => ({
        partition: p,
        firstSequence: Math.floor(next() * 1000),
        messages: Array.from({ length: 1 + Math.floor(next() * 200) }, (_, i) => randomMessage(next, i)),
      })),
    })),
  };
}

/** Runs kafkajs' encoder with a frozen clock so both sides see the same "now". */
async function kafkajsBytes(body: ProduceBody, now: number): Promise<Buffer> {
  const realNow = Date.now;
  Date.now = () => now;
  try {
    return (await kafkajsProduceV3(body).encode()).buffer;
  } finally {
    Date.now = realNow;
  }
}

const CASES = Number(process.env.BENCH_ENCODING_CASES ?? 300);
for (let seed = 1; seed <= CASES; seed++) {
  const body = randomBody(seed);
  const now = 1_700_000_500_000;
  const expected = await kafkajsBytes(body, now);
  const actual = encodeProduceBody(body, now);
  if (!expected.equals(actual)) {
    throw new Error(
      `seed ${seed}: prototype bytes differ from kafkajs (${actual.length} vs ${expected.length})`,
    );
  }
}
console.log(`Byte-for-byte equal to kafkajs 2.2.4 on ${CASES} random requests.\n`);

/** 50 requests of 1,000 messages over 6 partitions: the throughput workload's shape. */
function workload(headers: boolean): ProduceBody[] {
  const value = Buffer.alloc(256, 'x');
  return Array.from({ length: 50 }, (_, call) => ({
    acks: -1,
    timeout: 30_000,
    topicData: [
      {
        topic: 'bench',
        partitions: Array.from({ length: 6 }, (_, p) => ({
          partition: p,
          messages: Array.from({ length: 1000 / 6 + (p < 1000 % 6 ? 1 : 0) }, (_, i) => ({
            key: Buffer.from(`key-${(call * 1000 + i * 6 + p) % 1000}`),
            value,
            timestamp: 1_700_000_000_000,
            ...(headers
              ? {
                  headers: {
                    key: `key-${i}`,
                    'sqs-message-id': '059f36b4-87a3-44ab-83d2-661975830a7d',
                    'sqs-source-arn': 'arn:aws:sqs:us-east-1:123456789012:bench-queue',
                    'sqs-sent-timestamp': '1700000000000',
                  },
                }
              : {}),
          })),
        })),
      },
    ],
  }));
}

async function microsPerMessage(encode: (b: ProduceBody) => Promise<unknown>, bodies: ProduceBody[]) {
  const samples: number[] = [];
  for (let round = 0; round < 12; round++) {
    const cpu = process.cpuUsage();
    for (const body of bodies) await encode(body);
    const used = process.cpuUsage(cpu);
    if (round >= 2) samples.push((used.user + used.system) / (bodies.length * 1000));
  }
  return median(samples);
}

for (const [label, headers] of [
  ['256 B values, no headers', false],
  ['SQS bridge messages (4 headers)', true],
] as const) {
  const bodies = workload(headers);
  const before = await microsPerMessage((b) => kafkajsProduceV3(b).encode(), bodies);
  const after = await microsPerMessage(async (b) => encodeProduceBody(b), bodies);
  console.log(
    `${label}: kafkajs ${before.toFixed(2)} µs/msg, prototype ${after.toFixed(2)} µs/msg (${(before / after).toFixed(1)}x less CPU)`,
  );
}
