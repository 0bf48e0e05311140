import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecFor, toKafkaJsCompressionType } from '../../../lib/writer/codecs/compression.ts';
import { resolveMessages } from '../../../lib/writer/resolve-messages.ts';
import type { WireRecord } from '../../../lib/writer/transport.ts';
import { crc32c } from '../../../lib/writer/wire/crc32c.ts';
import {
  type KafkaJsProduceFactory,
  produceRequest,
  toKafkaJsTopicData,
} from '../../../lib/writer/wire/kafkajs-produce.ts';
import {
  encodeCompressedProduceRequestBody,
  encodeProduceRequestBody,
  type ProduceRequestBody,
} from '../../../lib/writer/wire/produce-request.ts';
import { setCorrelationId } from '../../../lib/writer/wire/request-frame.ts';

// The one-pass encoder must write exactly what kafkajs 2.2.4 writes for the same records, so the
// reference here is kafkajs' own Produce encoder, run on the same input.
const require = createRequire(import.meta.url);
type KafkaJsEncode = () => Promise<{ buffer: Buffer }>;
const kafkajsProduceV3 = require('kafkajs/src/protocol/requests/produce/v3/request.js') as (
  args: Record<string, unknown>,
) => { encode: KafkaJsEncode };
const { lookup, requests } = require('kafkajs/src/protocol/requests/index.js') as {
  lookup: (
    versions: Record<number, { minVersion: number; maxVersion: number }>,
  ) => (apiKey: number, definition: unknown) => KafkaJsProduceFactory;
  requests: { Produce: unknown };
};
const PRODUCE_API_KEY = 0;
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buf: Buffer) => number;

async function kafkajsBytes(body: ProduceRequestBody, compression = 0): Promise<Buffer> {
  const request = kafkajsProduceV3({
    acks: body.acks,
    timeout: body.timeoutMs,
    compression,
    producerId: body.producerId.toString(),
    producerEpoch: body.producerEpoch,
    topicData: toKafkaJsTopicData(body),
  });
  return (await request.encode()).buffer;
}

/** The same body with each record copied to its four wire fields: what kafkajs is given. */
function toKafkaJsTopicDataAsBody(b: ProduceRequestBody): ProduceRequestBody['topics'] {
  return b.topics.map((t) => ({
    ...t,
    partitions: t.partitions.map((p) => ({
      ...p,
      records: p.records.map(({ key, value, headers, timestampMs }) => ({
        key,
        value,
        headers: headers && { ...headers },
        timestampMs,
      })),
    })),
  }));
}

const bytes = (maxLength: number) =>
  fc.oneof(
    fc.constant(null),
    fc.uint8Array({ maxLength }).map((a) => Buffer.from(a)),
    fc.string({ unit: 'binary', maxLength }).map((s) => Buffer.from(s, 'utf8')),
  );
const headerValue = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const headers = fc.option(
  fc.dictionary(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })),
    { maxKeys: 5 },
  ),
  { nil: undefined },
);
// 13-digit epoch milliseconds: kafkajs sorts timestamps as strings, which is numeric order only
// at equal length (every real timestamp since 2001).
const timestampMs = fc.integer({ min: 1_000_000_000_000, max: 9_999_999_999_999 });
const record: fc.Arbitrary<WireRecord> = fc.record({
  key: bytes(300),
  value: fc.oneof(
    bytes(2_000),
    fc.integer({ min: 0, max: 70_000 }).map((n) => Buffer.alloc(n, n & 0xff)),
  ),
  headers,
  timestampMs,
});
const body: fc.Arbitrary<ProduceRequestBody> = fc.record({
  acks: fc.constantFrom(-1, 0, 1),
  timeoutMs: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  producerId: fc.oneof(fc.constant(-1n), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n })),
  producerEpoch: fc.integer({ min: 0, max: 32_767 }),
  topics: fc.array(
    fc.record({
      topic: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
      partitions: fc.array(
        fc.record({
          partition: fc.integer({ min: 0, max: 10_000 }),
          firstSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          records: fc.array(record, { minLength: 1, maxLength: 30 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

describe('encodeProduceRequestBody', () => {
  it('writes the bytes kafkajs writes for the same uncompressed request', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        expect(encodeProduceRequestBody(b).equals(await kafkajsBytes(b))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('writes a batch of 10,000 records with headers as kafkajs does', async () => {
    const records: WireRecord[] = Array.from({ length: 10_000 }, (_, i) => ({
      key: Buffer.from(`key-${i % 997}`),
      value: Buffer.alloc(256, i & 0xff),
      headers: { 'sqs-message-id': Buffer.from(`id-${i}`), multi: [Buffer.from('a'), Buffer.alloc(0)] },
      timestampMs: 1_700_000_000_000 + (i % 50),
    }));
    const b: ProduceRequestBody = {
      acks: -1,
      timeoutMs: 30_000,
      producerId: 4242n,
      producerEpoch: 3,
      topics: [{ topic: 'bridge', partitions: [{ partition: 5, firstSequence: 77, records }] }],
    };
    const ours = encodeProduceRequestBody(b);
    expect(ours.length).toBeGreaterThan(10_000 * 256);
    expect(ours.equals(await kafkajsBytes(b))).toBe(true);
  });

  it("writes the Writer's resolved messages, as sendBatch hands them over, as kafkajs writes their fields", async () => {
    // sendBatch passes ResolvedMessage objects (with topic and size besides the wire fields, and
    // headers on a null-prototype record); a batch split in halves sends the same objects again.
    const resolved = resolveMessages(
      Array.from({ length: 300 }, (_, i) => ({
        key: i % 7 === 0 ? null : `key-${i}`,
        value: i % 11 === 0 ? null : `value-${i}`.repeat(i % 5),
        ...(i % 3 === 0 ? { headers: { ['__proto__']: 'p', list: ['a', Buffer.alloc(0)], empty: [] } } : {}),
        time: new Date(1_700_000_000_000 + ((i * 37) % 101)),
      })),
      'bridge',
      1_000_000,
    );
    const b: ProduceRequestBody = {
      acks: -1,
      timeoutMs: 30_000,
      producerId: 7n,
      producerEpoch: 1,
      topics: [
        {
          topic: 'bridge',
          partitions: [
            { partition: 0, firstSequence: 0, records: resolved },
            { partition: 1, firstSequence: 0, records: resolved.slice(150) },
          ],
        },
      ],
    };
    const wireFieldsOnly = { ...b, topics: toKafkaJsTopicDataAsBody(b) };
    expect(encodeProduceRequestBody(b).equals(await kafkajsBytes(wireFieldsOnly))).toBe(true);
    const gzip = await codecFor('gzip');
    const type = toKafkaJsCompressionType('gzip');
    const compressed = await encodeCompressedProduceRequestBody(b, {
      attribute: type,
      compress: gzip.compress,
    });
    expect(compressed.equals(await kafkajsBytes(wireFieldsOnly, type))).toBe(true);
  });

  it('refuses an empty batch instead of writing one the broker would reject', () => {
    const b: ProduceRequestBody = {
      acks: -1,
      timeoutMs: 1000,
      producerId: -1n,
      producerEpoch: 0,
      topics: [{ topic: 't', partitions: [{ partition: 3, firstSequence: 0, records: [] }] }],
    };
    expect(() => encodeProduceRequestBody(b)).toThrow(/at least one record \(partition 3\)/);
  });
});

describe('encodeCompressedProduceRequestBody', () => {
  it("rejects with the codec's error when compressing fails", async () => {
    const failure = new Error('lz4 compress failed: out of memory');
    const b: ProduceRequestBody = {
      acks: -1,
      timeoutMs: 1000,
      producerId: -1n,
      producerEpoch: 0,
      topics: [
        {
          topic: 't',
          partitions: [
            {
              partition: 0,
              firstSequence: 0,
              records: [{ key: null, value: Buffer.from('v'), headers: undefined, timestampMs: 1e12 }],
            },
          ],
        },
      ],
    };
    await expect(
      encodeCompressedProduceRequestBody(b, { attribute: 3, compress: () => Promise.reject(failure) }),
    ).rejects.toBe(failure);
  });

  for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`writes the bytes kafkajs writes with ${compression} (the same codec on both sides)`, async () => {
      const codec = await codecFor(compression); // also registers it into kafkajs
      const type = toKafkaJsCompressionType(compression);
      await fc.assert(
        fc.asyncProperty(body, async (b) => {
          const ours = await encodeCompressedProduceRequestBody(b, {
            attribute: type,
            compress: codec.compress,
          });
          expect(ours.equals(await kafkajsBytes(b, type))).toBe(true);
        }),
        { numRuns: 40 },
      );
    });
  }
});

describe('crc32c', () => {
  it('matches kafkajs at every length and alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 7 }), (data, shift) => {
        // Copy to an offset so the word loop starts unaligned as often as aligned.
        const backing = Buffer.alloc(data.length + shift);
        backing.set(data, shift);
        const view = backing.subarray(shift);
        expect(crc32c(view)).toBe(kafkajsCrc32c(view));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the CRC-32C check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
});

describe('produceRequest', () => {
  const b: ProduceRequestBody = {
    acks: -1,
    timeoutMs: 5000,
    producerId: -1n,
    producerEpoch: 0,
    topics: [
      {
        topic: 'orders',
        partitions: [
          {
            partition: 1,
            firstSequence: 0,
            records: [
              { key: Buffer.from('k'), value: Buffer.from('v'), headers: undefined, timestampMs: 1e12 },
            ],
          },
        ],
      },
    ],
  };
  const factoryFor = (maxVersion: number) =>
    lookup({ [PRODUCE_API_KEY]: { minVersion: 0, maxVersion } })(PRODUCE_API_KEY, requests.Produce);
  type Encodable = { request: { apiVersion: number; encode: KafkaJsEncode } };

  it('encodes the body in one pass for the version the broker negotiated (v3-v7)', async () => {
    for (const version of [3, 5, 7]) {
      const request = produceRequest(factoryFor(version), b, undefined) as unknown as Encodable;
      expect(request.request.apiVersion).toBe(version);
      expect((await request.request.encode()).buffer.equals(encodeProduceRequestBody(b))).toBe(true);
    }
  });

  it('leaves a pre-0.11 broker (Produce v2, message sets) to kafkajs encoding the same records', async () => {
    const request = produceRequest(factoryFor(2), b, undefined) as unknown as Encodable;
    expect(request.request.apiVersion).toBe(2);
    const encoded = (await request.request.encode()).buffer;
    // A v2 message set carries the record's key and value but none of v3's batch layout.
    expect(encoded.equals(encodeProduceRequestBody(b))).toBe(false);
    expect(encoded.includes(Buffer.from('orders'))).toBe(true);
    const v2 = require('kafkajs/src/protocol/requests/produce/v2/request.js') as (
      args: Record<string, unknown>,
    ) => { encode: KafkaJsEncode };
    const expected = await v2({
      acks: -1,
      timeout: 5000,
      compression: 0,
      topicData: toKafkaJsTopicData(b),
    }).encode();
    expect(encoded.equals(expected.buffer)).toBe(true);
  });

  // kafkajs' request layer: size + header v1 + body, the frame that reaches the socket.
  const kafkajsFrame = require('kafkajs/src/protocol/request.js') as (args: {
    request: unknown;
    correlationId: number;
    clientId: string | null;
  }) => Promise<{ buffer: Buffer }>;
  type Framed = { encodeFrame?: (clientId: string | null) => Promise<Buffer> };

  it('writes the whole request once, as kafkajs frames the same records for the same connection', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.integer({ min: 3, max: 7 }),
        fc.option(fc.string({ unit: 'binary', maxLength: 30 }), { nil: null }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (b, version, clientId, correlationId) => {
          const ours = produceRequest(factoryFor(version), b, undefined) as unknown as Framed;
          const frame = await (ours.encodeFrame as NonNullable<Framed['encodeFrame']>)(clientId);
          setCorrelationId(frame, correlationId);
          const reference = factoryFor(version)({
            acks: b.acks,
            timeout: b.timeoutMs,
            compression: 0,
            producerId: b.producerId.toString(),
            producerEpoch: b.producerEpoch,
            topicData: toKafkaJsTopicData(b),
          });
          const expected = await kafkajsFrame({ request: reference.request, correlationId, clientId });
          expect(frame.equals(expected.buffer)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('frames a compressed request as kafkajs does', async () => {
    const codec = await codecFor('gzip');
    const type = toKafkaJsCompressionType('gzip');
    const ours = produceRequest(factoryFor(7), b, {
      kafkaJsType: type,
      codec: codec.compress,
    }) as unknown as Framed;
    const frame = await (ours.encodeFrame as NonNullable<Framed['encodeFrame']>)('bridge');
    setCorrelationId(frame, 7);
    const reference = factoryFor(7)({
      acks: b.acks,
      timeout: b.timeoutMs,
      compression: type,
      producerId: b.producerId.toString(),
      producerEpoch: b.producerEpoch,
      topicData: toKafkaJsTopicData(b),
    });
    const expected = await kafkajsFrame({ request: reference.request, correlationId: 7, clientId: 'bridge' });
    expect(frame.equals(expected.buffer)).toBe(true);
  });

  it('leaves the framing of a pre-0.11 request to kafkajs', () => {
    expect((produceRequest(factoryFor(2), b, undefined) as unknown as Framed).encodeFrame).toBeUndefined();
  });
});
