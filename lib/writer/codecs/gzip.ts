import { promisify } from 'node:util';
import { gzip, unzip } from 'node:zlib';
import { type Codec, defineCodec } from './codec.ts';

const gzipAsync = promisify(gzip);
const unzipAsync = promisify(unzip);

/**
 * gzip through node:zlib, on the libuv thread pool so a big batch never blocks the event loop.
 * kafkajs ships the same codec; ours replaces it only so its errors name the codec like the
 * others. `unzip` also accepts zlib-wrapped data and concatenated gzip members, which some old
 * producers wrote.
 */
export const gzipCodec: Codec = defineCodec('gzip', {
  compress: (data) => gzipAsync(data),
  decompress: (data) => unzipAsync(data),
});
