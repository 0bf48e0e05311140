/** One physical line of an NDJSON object. */
export interface NdjsonLine {
  /** The line's bytes without its line break (LF, or CRLF). */
  bytes: Buffer;
  /** 1-based line number in the object, empty lines counted, as `sed -n Np` sees it. */
  number: number;
  /** Byte offset of the line's first byte in the object. */
  start: number;
  /** Byte offset just past its line break: where the next line starts. */
  end: number;
  /** Longer than the limit: `bytes` holds only its beginning and reading stopped there. */
  tooLong?: boolean;
}

/** Where reading an object starts: the first byte and the number of lines before it. */
export interface LinePosition {
  offset: number;
  /** Lines fully consumed before `offset`; the next line's number is `line + 1`. */
  line: number;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits the bytes of an object, handed in as consecutive chunks (ranged GETs), into lines with
 * their byte positions, so progress can be saved as "offset + line number" after any line.
 *
 * It works on bytes, never on decoded text: a UTF-8 multibyte sequence never contains the byte
 * 0x0A, so splitting at LF is safe wherever a chunk boundary falls, and a character cut by a
 * chunk boundary is whole again once the line's bytes are joined. A CR right before the LF is
 * part of the line break (CRLF files); a lone CR is data. A line longer than `maxLineBytes` is
 * reported once, as `tooLong`, instead of being buffered without bound.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private carryStart: number;
  private nextNumber: number;
  private overflowed = false;

  constructor(
    from: LinePosition,
    private readonly maxLineBytes: number,
  ) {
    this.carryStart = from.offset;
    this.nextNumber = from.line + 1;
  }

  /** Whether a too-long line was reported; later input is ignored. */
  get stopped(): boolean {
    return this.overflowed;
  }

  /** The complete lines that `chunk` finishes, in order. */
  push(chunk: Buffer): NdjsonLine[] {
    const lines: NdjsonLine[] = [];
    if (this.overflowed) return lines;
    let from = 0;
    while (from < chunk.length) {
      const lf = chunk.indexOf(LF, from);
      if (lf < 0) {
        this.keep(chunk.subarray(from));
        if (this.carryBytes > this.maxLineBytes) lines.push(this.overflow());
        return lines;
      }
      this.keep(chunk.subarray(from, lf));
      const bytes = this.takeCarry();
      const start = this.carryStart;
      const end = start + bytes.length + 1;
      const content = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes;
      if (content.length > this.maxLineBytes) {
        lines.push({
          bytes: content.subarray(0, this.maxLineBytes),
          number: this.nextNumber,
          start,
          end,
          tooLong: true,
        });
        this.overflowed = true;
        return lines;
      }
      lines.push({ bytes: content, number: this.nextNumber++, start, end });
      this.carryStart = end;
      from = lf + 1;
    }
    return lines;
  }

  /** The last line when the object does not end with a line break; call once at the end. */
  end(): NdjsonLine | undefined {
    if (this.overflowed || this.carryBytes === 0) return undefined;
    const bytes = this.takeCarry();
    const start = this.carryStart;
    const end = start + bytes.length;
    this.carryStart = end;
    // A CR at the very end is the first half of a CRLF the writer never finished.
    const content = bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes;
    return { bytes: content, number: this.nextNumber++, start, end };
  }

  private keep(part: Buffer): void {
    if (part.length === 0) return;
    this.carry.push(part);
    this.carryBytes += part.length;
  }

  private takeCarry(): Buffer {
    const bytes =
      this.carry.length === 1 ? (this.carry[0] as Buffer) : Buffer.concat(this.carry, this.carryBytes);
    this.carry = [];
    this.carryBytes = 0;
    return bytes;
  }

  private overflow(): NdjsonLine {
    this.overflowed = true;
    const bytes = this.takeCarry().subarray(0, this.maxLineBytes);
    return { bytes, number: this.nextNumber, start: this.carryStart, end: -1, tooLong: true };
  }
}

/** What one NDJSON line is. */
export type ParsedLine =
  | { kind: 'blank' }
  /** `text`: the line decoded, for keys read from its source (see keyAtSource). */
  | { kind: 'json'; value: Buffer; text: string }
  | { kind: 'malformed'; reason: string };

// ignoreBOM keeps a BOM in the text: only the object's first bytes may be one (stripped below).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const BLANK = /^[ \t\r]*$/;

/**
 * Classifies a line: blank (empty or only spaces, tabs and CRs: skipped, as most NDJSON readers
 * do), JSON (its value is the line's bytes as they are, minus a UTF-8 BOM at the very start of
 * the object), or malformed (not UTF-8, not JSON, or too long), with a reason that never quotes
 * the line: it may hold personal data, and logs may be kept longer than the bucket's objects.
 */
export function parseLine(line: NdjsonLine, maxLineBytes: number): ParsedLine {
  if (line.tooLong) {
    return { kind: 'malformed', reason: `line ${line.number} is longer than ${maxLineBytes} bytes` };
  }
  const value =
    line.start === 0 && line.bytes.subarray(0, 3).equals(BOM) ? line.bytes.subarray(3) : line.bytes;
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { kind: 'malformed', reason: `line ${line.number} is not valid UTF-8` };
  }
  if (BLANK.test(text)) return { kind: 'blank' };
  try {
    JSON.parse(text);
    return { kind: 'json', value, text };
  } catch (error) {
    // V8's message may quote the line; only the position is kept.
    const position = /at position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    const where = position === undefined ? '' : ` (at character ${Number(position) + 1})`;
    return { kind: 'malformed', reason: `line ${line.number} is not JSON${where}` };
  }
}
