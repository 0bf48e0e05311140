/**
 * Stands in for `import ... from 'kafkajs'` in the "proposed" cold-start build: what lib/ would
 * import if it took kafkajs' deep modules (loggers, compression registry) instead of the package
 * index, which drags in the consumer, admin and producer APIs the Writer never runs at init.
 * `Kafka` (needed only to create a missing topic) would then be a dynamic import; here it throws.
 */
import { LEVELS } from 'kafkajs/src/loggers/index.js';
import { Codecs, Types } from 'kafkajs/src/protocol/message/compression/index.js';

/** Same values as kafkajs' `logLevel`. */
export const logLevel = LEVELS;
/** Same registry as kafkajs' `CompressionCodecs`. */
export const CompressionCodecs = Codecs;
/** Same values as kafkajs' `CompressionTypes`. */
export const CompressionTypes = Types;

/** Never constructed at init; lib/ would `await import('kafkajs')` where it creates topics. */
export class Kafka {
  constructor() {
    throw new Error('kafkajs-deep-shim: Kafka is not part of the cold-start simulation');
  }
}

export default { logLevel, CompressionCodecs, CompressionTypes, Kafka };
