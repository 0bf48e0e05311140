/** Thrown when a request ends before a field it declares: the fake answers CORRUPT_MESSAGE or drops it. */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

/**
 * Reads Kafka's big-endian primitives from one request body. Ours rather than kafkajs' Decoder:
 * typed, bounds-checked (a truncated frame throws WireFormatError instead of reading garbage) and
 * with int64 as bigint.
 */
export class WireReader {
  private offset = 0;

  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  int8(): number {
    this.need(1);
    const value = this.buf.readInt8(this.offset);
    this.offset += 1;
    return value;
  }

  int16(): number {
    this.need(2);
    const value = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint32(): number {
    this.need(4);
    const value = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  int64(): bigint {
    this.need(8);
    const value = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  boolean(): boolean {
    return this.int8() !== 0;
  }

  /** STRING / NULLABLE_STRING: int16 length, -1 for null. */
  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    return this.take(length).toString('utf8');
  }

  string(): string {
    const value = this.nullableString();
    if (value === null) throw new WireFormatError('null where a STRING is required');
    return value;
  }

  /** BYTES / NULLABLE_BYTES / RECORDS: int32 length, -1 for null. */
  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    return this.take(length);
  }

  /** ARRAY: int32 count, -1 for null (returned as null, which Metadata v1+ reads as "all topics"). */
  nullableArray<T>(item: (reader: WireReader) => T): T[] | null {
    const count = this.int32();
    if (count < 0) return null;
    // A count larger than the bytes left is a corrupt frame, not a reason to allocate gigabytes.
    if (count > this.remaining) throw new WireFormatError(`array of ${count} in ${this.remaining} bytes`);
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(item(this));
    return items;
  }

  array<T>(item: (reader: WireReader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }

  /** Zig-zag VARINT (record fields). */
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.uint8();
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw new WireFormatError('varint longer than 5 bytes');
    }
    return (result >>> 1) ^ -(result & 1);
  }

  /** Zig-zag VARLONG (record timestamp deltas). */
  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.uint8();
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7n;
      if (shift > 63n) throw new WireFormatError('varlong longer than 10 bytes');
    }
    return (result >> 1n) ^ -(result & 1n);
  }

  /** VARINT-length bytes, -1 for null (record keys, values, header values). */
  varintBytes(): Buffer | null {
    const length = this.varint();
    if (length < 0) return null;
    return this.take(length);
  }

  take(length: number): Buffer {
    this.need(length);
    const slice = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  private uint8(): number {
    this.need(1);
    const value = this.buf.readUInt8(this.offset);
    this.offset += 1;
    return value;
  }

  private need(bytes: number): void {
    if (this.offset + bytes > this.buf.length) {
      throw new WireFormatError(`needs ${bytes} bytes at ${this.offset} of ${this.buf.length}`);
    }
  }
}
