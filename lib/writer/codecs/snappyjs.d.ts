// snappyjs ships no types. It returns the same kind of container it is given (Buffer in, Buffer out).
declare module 'snappyjs' {
  /** Compresses to one raw snappy block (no framing). */
  export function compress<T extends Uint8Array>(input: T): T;
  /** Decompresses one raw snappy block; throws when its declared length exceeds `maxLength`. */
  export function uncompress<T extends Uint8Array>(input: T, maxLength?: number): T;
}
