/** Builds one response body from Kafka's big-endian primitives; grows as needed. */
export class WireWriter {
  private buf = Buffer.allocUnsafe(256);
  private offset = 0;

  int8(value: number): this {
    this.reserve(1).writeInt8(value, this.offset);
    this.offset += 1;
    return this;
  }

  int16(value: number): this {
    this.reserve(2).writeInt16BE(value, this.offset);
    this.offset += 2;
    return this;
  }

  int32(value: number): this {
    this.reserve(4).writeInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }

  int64(value: bigint | number): this {
    this.reserve(8).writeBigInt64BE(BigInt(value), this.offset);
    this.offset += 8;
    return this;
  }

  boolean(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  nullableString(value: string | null): this {
    if (value === null) return this.int16(-1);
    const bytes = Buffer.from(value, 'utf8');
    this.int16(bytes.length);
    return this.raw(bytes);
  }

  array<T>(items: readonly T[], item: (writer: this, value: T) => void): this {
    this.int32(items.length);
    for (const value of items) item(this, value);
    return this;
  }

  int32Array(items: readonly number[]): this {
    return this.array(items, (w, v) => w.int32(v));
  }

  raw(bytes: Buffer): this {
    bytes.copy(this.reserve(bytes.length), this.offset);
    this.offset += bytes.length;
    return this;
  }

  /** The bytes written so far (a copy-free view). */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.offset);
  }

  private reserve(bytes: number): Buffer {
    if (this.offset + bytes > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.offset + bytes));
      this.buf.copy(grown, 0, 0, this.offset);
      this.buf = grown;
    }
    return this.buf;
  }
}
