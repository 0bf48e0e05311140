import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs, { type IHeaders, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Codec } from '../../lib/writer/codecs/codec.ts';
import {
  clearCodecRegistrations,
  ensureCodec,
  toKafkaJsCompressionType,
} from '../../lib/writer/codecs/compression.ts';
import { gzipCodec } from '../../lib/writer/codecs/gzip.ts';
import { lz4Codec } from '../../lib/writer/codecs/lz4.ts';
import { snappyCodec } from '../../lib/writer/codecs/snappy.ts';
import { xxh32 } from '../../lib/writer/codecs/xxh32.ts';
import { createZstdCodec } from '../../lib/writer/codecs/zstd.ts';
import { ensureKafkaJars } from '../../scripts/kafka/install.ts';
import { ensureKcat } from '../../scripts/setup/ensure-kcat.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { FIXTURE_INPUT, jsonLines, pseudoRandomBytes } from '../unit/codecs/fixtures.ts';

// Every codec against real peers: the broker (which decompresses and validates every
// compressed batch it accepts, so a bad encoding fails the produce with CORRUPT_MESSAGE),
// kcat (librdkafka) reading what kafkajs wrote with our codecs and writing what our codecs
// read, the Java client's console producer, and Kafka's own Java decoders on edge inputs.

const { Kafka, logLevel, CompressionCodecs, CompressionTypes } = kafkajs;
const brokers = inject('kafkaBrokers');
const kafka = new Kafka({ brokers, clientId: 'codecs-test', logLevel: logLevel.NOTHING });
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
type CodecName = (typeof CODECS)[number];
const KIB = 1024;

let producer: Producer;

beforeAll(async () => {
  await ensureKcat();
  for (const codec of CODECS) await ensureCodec(codec);
  producer = kafka.producer({ retry: { retries: 0 } });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
});

interface TestMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

/**
 * 200 messages covering what a batch can hold: nil, empty, text and binary keys; null, empty,
 * JSON, binary and 100 KB values (compressible and not); text and binary headers.
 */
function mixedMessages(count = 200): TestMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const keys = [null, Buffer.alloc(0), pseudoRandomBytes(16, i + 1), Buffer.from(`key-${i}`)];
    let value: Buffer | null;
    if (i % 40 === 0) value = pseudoRandomBytes(100 * KIB, i + 7);
    else if (i % 40 === 20) value = jsonLines(100 * KIB);
    else if (i % 11 === 5) value = null;
    else if (i % 7 === 3) value = Buffer.alloc(0);
    else if (i % 3 === 0) value = pseudoRandomBytes(500 + i * 7, i + 3);
    else value = Buffer.from(JSON.stringify({ i, text: 'héllo wörld ✓ '.repeat(i % 13) }));
    const headers: Record<string, Buffer> = { id: Buffer.from(String(i)) };
    if (i % 5 === 0) headers.bin = pseudoRandomBytes(8, i + 11);
    return { key: keys[i % 4] ?? null, value, headers };
  });
}

async function createTopic(partitions: number): Promise<string> {
  const topic = `codecs-${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: Math.min(3, brokers.length) }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/** Sends in chunks so no compressed batch nears the broker's 1 MB limit. */
async function produceWithKafkaJs(topic: string, codec: CodecName, messages: TestMessage[]): Promise<void> {
  for (let start = 0; start < messages.length; start += 25) {
    await producer.send({
      topic,
      acks: -1,
      compression: toKafkaJsCompressionType(codec),
      messages: messages.slice(start, start + 25) as Message[],
    });
  }
}

/** Reads `count` messages with a kafkajs consumer, which decompresses through our codecs. */
async function consumeWithKafkaJs(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `codecs-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const received: { partition: number; message: KafkaMessage }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`kafkajs read ${received.length} of ${count} from ${topic}`)),
        30_000,
      );
      // kafkajs restarts after a retriable crash (e.g. a coordinator still loading on a fresh cluster).
      consumer.on(consumer.events.CRASH, (event) => {
        if (event.payload.restart) return;
        clearTimeout(timer);
        reject(event.payload.error);
      });
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            received.push({ partition, message });
            if (received.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return received
    .sort((a, b) => a.partition - b.partition || Number(a.message.offset) - Number(b.message.offset))
    .map((r) => r.message);
}

/** Produces with kcat; keys and messages split on delimiters no test byte sequence contains. */
async function produceWithKcat(
  topic: string,
  codec: CodecName,
  messages: { key: Buffer | null; value: Buffer }[],
  extraArgs: string[] = [],
): Promise<void> {
  const messageDelimiter = `|msg-${randomUUID()}|`;
  const keyDelimiter = `|key-${randomUUID()}|`;
  const parts: Buffer[] = [];
  for (const { key, value } of messages) {
    // kcat gives a message without the key delimiter a nil key.
    if (key !== null) parts.push(key, Buffer.from(keyDelimiter));
    parts.push(value, Buffer.from(messageDelimiter));
  }
  const input = Buffer.concat(parts);
  const args = [
    '-P',
    '-b',
    brokers.join(','),
    '-t',
    topic,
    '-z',
    codec,
    '-D',
    messageDelimiter,
    '-K',
    keyDelimiter,
  ];
  args.push('-H', 'producer=kcat', '-X', 'enable.idempotence=true', ...extraArgs);
  await run('kcat', args, input);
}

function run(command: string, args: string[], input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new Error(`${command} exited with ${code}: ${Buffer.concat(err).toString().slice(-2000)}`));
    });
    child.stdin.end(input ?? Buffer.alloc(0));
  });
}

function headerBuffers(headers: IHeaders | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name] = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
  }
  return out;
}

describe.each(CODECS)('%s', (codec) => {
  it('kafkajs with our codec writes batches the broker accepts and kcat reads byte for byte', async () => {
    const topic = await createTopic(3);
    const sent = mixedMessages();

    await produceWithKafkaJs(topic, codec, sent);
    const records = await consumeWithKcat(brokers, topic, { count: sent.length });

    const byId = new Map(records.map((r) => [r.headers.id?.toString(), r]));
    for (const [i, message] of sent.entries()) {
      const record = byId.get(String(i));
      expect(record, `message ${i}`).toBeDefined();
      expect(record?.key, `key of message ${i}`).toEqual(message.key);
      expect(record?.value, `value of message ${i}`).toEqual(message.value);
      expect(record?.headers, `headers of message ${i}`).toEqual(message.headers);
    }
  });

  it('our codec reads what kcat (librdkafka) compressed, byte for byte', async () => {
    const topic = await createTopic(1);
    // kcat drops an input message that is empty altogether, so a nil key with an empty value
    // cannot be sent through it; null values need -Z, which turns every empty value into null.
    const sent = mixedMessages()
      .map((m) => ({ key: m.key, value: m.value ?? Buffer.alloc(0) }))
      .filter((m) => m.key !== null || m.value.length > 0);
    const tombstones = [{ key: Buffer.from('tombstone'), value: Buffer.alloc(0) }];

    await produceWithKcat(topic, codec, sent);
    await produceWithKcat(topic, codec, tombstones, ['-Z']);
    const received = await consumeWithKafkaJs(topic, sent.length + 1);

    expect(received).toHaveLength(sent.length + 1);
    for (const [i, message] of sent.entries()) {
      expect(received[i]?.key, `key of message ${i}`).toEqual(message.key);
      expect(received[i]?.value, `value of message ${i}`).toEqual(message.value);
      expect(headerBuffers(received[i]?.headers)).toEqual({ producer: Buffer.from('kcat') });
    }
    expect(received.at(-1)?.value).toBeNull();
  });

  it('our codec reads what the Java client compressed (console producer)', async () => {
    const topic = await createTopic(1);
    const lines = Array.from({ length: 60 }, (_, i) =>
      i % 15 === 0 ? `${'Java line '.repeat(10_000)}${i}` : `${JSON.stringify({ i, from: 'java' })}`,
    );
    const libs = await ensureKafkaJars();

    await run(
      'java',
      [
        '-cp',
        join(libs, '*'),
        'org.apache.kafka.tools.ConsoleProducer',
        '--bootstrap-server',
        brokers.join(','),
        '--topic',
        topic,
        '--compression-codec',
        codec,
        '--reader-property',
        'parse.key=true',
        '--reader-property',
        'key.separator=\t',
        '--command-property',
        'acks=all',
      ],
      Buffer.from(lines.map((line, i) => `java-${i}\t${line}\n`).join('')),
    );
    const received = await consumeWithKafkaJs(topic, lines.length);

    expect(received.map((m) => m.key?.toString())).toEqual(lines.map((_, i) => `java-${i}`));
    expect(received.map((m) => m.value?.toString())).toEqual(lines);
  }, 60_000);
});

describe("Kafka's Java decoders", () => {
  const javaSource = join(import.meta.dirname, '..', 'unit', 'codecs', 'fixtures', 'KafkaCodecs.java');
  // A full 64 KiB block ending in a short repeat: where lz4js's encoder breaks the LZ4 format.
  const repeat = pseudoRandomBytes(10, 99);
  const edgeInputs: Record<string, Buffer> = {
    empty: Buffer.alloc(0),
    'one-byte': Buffer.from([0]),
    fixture: FIXTURE_INPUT,
    'random-1mb': pseudoRandomBytes(1024 * KIB),
    'zeros-1mb': Buffer.alloc(1024 * KIB),
    'json-1mb': jsonLines(1024 * KIB),
    'block-plus-one': jsonLines(64 * KIB + 1),
    'late-repeat-block': Buffer.concat([jsonLines(64 * KIB - 20), repeat, repeat]),
  };
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codecs-java-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const codecs: [CodecName, () => Promise<Codec>][] = [
    ['gzip', async () => gzipCodec],
    ['snappy', async () => snappyCodec],
    ['lz4', async () => lz4Codec],
    ['zstd', () => createZstdCodec()],
  ];

  it.each(codecs)(
    'read every %s frame we write for edge inputs',
    async (name, load) => {
      const codec = await load();
      const files: string[] = [];
      for (const [label, input] of Object.entries(edgeInputs)) {
        const file = join(dir, `${label}.${name}`);
        await writeFile(file, await codec.compress(input));
        files.push(file);
      }
      const libs = await ensureKafkaJars();

      const output = await run('java', ['-cp', join(libs, '*'), javaSource, 'decode', name, ...files]);

      const decoded = Object.fromEntries(
        output
          .trim()
          .split('\n')
          .map((line) => line.split(' '))
          .map(([file, length, sha]) => [file, `${length} ${sha}`]),
      );
      for (const [label, input] of Object.entries(edgeInputs)) {
        const expected = `${input.length} ${createHash('sha256').update(input).digest('hex')}`;
        expect(decoded[join(dir, `${label}.${name}`)], `${label}.${name}`).toBe(expected);
      }
    },
    60_000,
  );
});

describe('the broker as a validator', () => {
  // The broker decompresses every compressed batch before appending it, so a wrong encoding
  // fails the produce, though not with CORRUPT_MESSAGE: Kafka 4.4 answers INVALID_RECORD when the
  // decompressed records do not parse, and UNKNOWN_SERVER_ERROR when the decoder itself throws
  // (its log names the cause: "Stream ended prematurely", "Dependent block stream is unsupported").
  it.each([
    [
      'a valid frame of damaged records',
      (records: Buffer) => lz4Codec.compress(records.subarray(0, records.length - 5)),
      /failed the validation on broker/,
    ],
    [
      'a truncated frame',
      async (records: Buffer) => (await lz4Codec.compress(records)).subarray(0, -6),
      /unexpected error/i,
    ],
    [
      'a frame declaring linked blocks, as lz4js writes them',
      async (records: Buffer) => {
        const frame = Buffer.from(await lz4Codec.compress(records));
        frame[4] = (frame[4] as number) & ~0x20;
        frame[6] = (xxh32(frame, 4, 6) >>> 8) & 0xff;
        return frame;
      },
      /unexpected error/i,
    ],
  ])('rejects %s', async (_label, encode, error) => {
    const topic = await createTopic(1);
    CompressionCodecs[CompressionTypes.LZ4] = () => ({
      compress: (encoder: { buffer: Buffer }) => encode(encoder.buffer),
      decompress: (buffer: Buffer) => lz4Codec.decompress(buffer),
    });
    clearCodecRegistrations();
    try {
      const attempt = producer.send({
        topic,
        acks: -1,
        compression: CompressionTypes.LZ4,
        messages: [{ value: 'x'.repeat(500) }],
      });

      await expect(attempt).rejects.toThrow(error);
    } finally {
      await ensureCodec('lz4');
    }
    await produceWithKafkaJs(topic, 'lz4', [{ key: null, value: Buffer.from('our frame'), headers: {} }]);
    expect((await consumeWithKcat(brokers, topic, { count: 1 }))[0]?.value?.toString()).toBe('our frame');
  });
});
