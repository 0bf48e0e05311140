import type { InternalProtocolRequest } from 'kafkajs/src/cluster/index.js';
import Encoder from 'kafkajs/src/protocol/encoder.js';
import {
  encodeCompressedProduceRequestBody,
  encodeProduceRequestBody,
  type ProduceRequestBody,
  type RecordsCompression,
} from './produce-request.ts';
import { requestHeaderBytes, writeRequestHeader } from './request-frame.ts';

/** A broker's Produce request factory, as kafkajs' `broker.lookupRequest` returns it. */
export type KafkaJsProduceFactory = (args: Record<string, unknown>) => InternalProtocolRequest;

/**
 * kafkajs' Produce request, plus, for the versions the Writer encodes itself, the whole frame
 * (size, header, body) written once: what `sendProduce` (kafkajs-requests.ts) puts on the socket.
 */
export type ProduceRequest = InternalProtocolRequest & {
  encodeFrame?: (clientId: string | null) => Promise<Buffer>;
};

/** Produce versions whose body is produce-request.ts' layout (record batches, magic v2). */
const ONE_PASS_VERSIONS = new Set([3, 4, 5, 6, 7]);

/**
 * kafkajs' Produce request for the version the broker negotiated, its body encoded by
 * produce-request.ts instead of kafkajs' record encoder, and `encodeFrame` writing the whole
 * request once (request-frame.ts); correlation, the request queue and response decoding stay
 * kafkajs'. A broker older than Kafka 0.11 (Produce < v3, no record batches) gets kafkajs' own
 * encoding and framing of the same records.
 */
export function produceRequest(
  produce: KafkaJsProduceFactory,
  body: ProduceRequestBody,
  compression: { kafkaJsType: number; codec: RecordsCompression['compress'] } | undefined,
): ProduceRequest {
  const args = {
    acks: body.acks,
    timeout: body.timeoutMs,
    compression: compression?.kafkaJsType ?? 0,
    producerId: body.producerId.toString(),
    producerEpoch: body.producerEpoch,
  };
  // kafkajs' factories only capture their arguments; nothing is encoded until `encode()`.
  const request = produce({ ...args, topicData: [] });
  const inner = request.request as { apiKey: number; apiVersion: number; encode: () => Promise<Encoder> };
  if (!ONE_PASS_VERSIONS.has(inner.apiVersion)) {
    return produce({ ...args, topicData: toKafkaJsTopicData(body) });
  }
  const recordsCompression = compression && {
    attribute: compression.kafkaJsType,
    compress: compression.codec,
  };
  const encodeBody = async (headroomBytes: number) =>
    recordsCompression
      ? await encodeCompressedProduceRequestBody(body, recordsCompression, headroomBytes)
      : encodeProduceRequestBody(body, headroomBytes);
  return {
    ...request,
    request: { ...inner, encode: async () => asEncoder(await encodeBody(0)) },
    encodeFrame: async (clientId) =>
      writeRequestHeader(await encodeBody(requestHeaderBytes(clientId)), {
        apiKey: inner.apiKey,
        apiVersion: inner.apiVersion,
        clientId,
      }),
  };
}

/** kafkajs' request layer copies an Encoder's `buf` up to `offset`; hand it the finished bytes. */
function asEncoder(bytes: Buffer): Encoder {
  const encoder = new Encoder(0);
  encoder.buf = bytes;
  encoder.offset = bytes.length;
  return encoder;
}

/** The same records in kafkajs' `topicData` shape (also the reference the tests encode with kafkajs). */
export function toKafkaJsTopicData(body: ProduceRequestBody) {
  return body.topics.map(({ topic, partitions }) => ({
    topic,
    partitions: partitions.map(({ partition, firstSequence, records }) => ({
      partition,
      firstSequence,
      messages: records.map((record) => ({
        key: record.key,
        value: record.value,
        headers: record.headers,
        timestamp: record.timestampMs,
      })),
    })),
  }));
}
