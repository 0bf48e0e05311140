// Types for the two kafkajs 2.2.4 internals kafkajs-deep-shim.ts imports (merged with
// lib/writer/kafkajs-internals.d.ts, which declares the others).

declare module 'kafkajs/src/loggers/index.js' {
  export const LEVELS: typeof import('kafkajs').logLevel;
}

declare module 'kafkajs/src/protocol/message/compression/index.js' {
  export const Codecs: typeof import('kafkajs').CompressionCodecs;
  export const Types: typeof import('kafkajs').CompressionTypes;
}
