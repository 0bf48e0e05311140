/**
 * Preload (`node --import tsx --import ./bench/prototypes/install-fast-produce.ts ...`) that makes
 * kafkajs encode uncompressed Produce requests with the prototype encoder, for every client in the
 * process. Works only unbundled (it swaps a CommonJS module in require.cache before kafkajs loads
 * it); in lib/ the transport would set the request's `encode` itself (see bench/README.md).
 */
import { createRequire } from 'node:module';
import { encodeProduceBody, type ProduceBody } from './produce-encoding.ts';

const require = createRequire(import.meta.url);
type RequestFactory = (args: ProduceBody & { compression?: number }) => { encode: () => Promise<unknown> };
const path = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
const Encoder = require('kafkajs/src/protocol/encoder.js') as new (
  size?: number,
) => { buf: Buffer; offset: number };
const original = require(path) as RequestFactory;
const cached = require.cache[path];
if (!cached) throw new Error('kafkajs produce v3 request module is not in require.cache');

/** kafkajs' request layer wants an Encoder; hand it one wrapping the finished buffer. */
function asEncoder(buffer: Buffer) {
  const encoder = new Encoder(0);
  encoder.buf = buffer;
  encoder.offset = buffer.length;
  return encoder;
}

cached.exports = ((args) => {
  const request = original(args);
  if (args.compression) return request;
  return { ...request, encode: async () => asEncoder(encodeProduceBody(args)) };
}) satisfies RequestFactory;
