import { ensureKcat } from '../../../scripts/setup/ensure-kcat.ts';
import type { ParityKey } from './parity-keys.ts';
import { seededRandom } from './parity-keys.ts';
import { runPeer } from './run-peer.ts';

const KCAT_HINT = 'Debian: apt-get install kcat (scripts/setup/ensure-kcat.ts does this when run as root)';

/** The librdkafka partitioners the parity tests compare against. */
export type LibrdkafkaPartitioner = 'murmur2_random' | 'consistent_random' | 'murmur2' | 'consistent';

/** Where kcat's record landed and what key the broker stored (-1 length = nil key). */
export interface KcatRecord {
  partition: number;
  keyLength: number;
  key: Buffer;
}

/** Options of {@link kcatProducedPartitions}. */
export interface KcatProduceOptions {
  brokers: readonly string[];
  /** An existing topic, empty before the call. */
  topic: string;
  keys: readonly ParityKey[];
  partitioner: LibrdkafkaPartitioner;
}

/**
 * Produces every key with kcat (librdkafka) and the given `topic.partitioner`, consumes the
 * topic back with kcat and returns each record's partition and stored key, index-aligned with
 * `keys`. Nil keys are sent without a key delimiter (librdkafka gets a NULL key), the empty key
 * with one (a zero-length, non-NULL key). The record value is the key's index.
 */
export async function kcatProducedPartitions(options: KcatProduceOptions): Promise<KcatRecord[]> {
  const kcat = await ensureKcat();
  const brokers = options.brokers.join(',');
  const { input, keyDelimiter, messageDelimiter } = encodeInput(options.keys);

  await runPeer(kcat, {
    args: [
      '-P',
      '-b',
      brokers,
      '-t',
      options.topic,
      '-K',
      keyDelimiter,
      '-D',
      messageDelimiter,
      '-X',
      `topic.partitioner=${options.partitioner}`,
      '-X',
      'linger.ms=5',
    ],
    stdin: input,
    installHint: KCAT_HINT,
  });

  const { stdout } = await runPeer(kcat, {
    args: ['-C', '-b', brokers, '-t', options.topic, '-o', 'beginning', '-e', '-q', '-f', '%K\t%k\t%p\t%s\n'],
    installHint: KCAT_HINT,
  });
  const records = parseConsumed(stdout);

  const byIndex = new Array<KcatRecord | undefined>(options.keys.length).fill(undefined);
  for (const { index, record } of records) {
    if (!(index >= 0 && index < byIndex.length) || byIndex[index] !== undefined) {
      throw new Error(`kcat consumed an unexpected record with value "${index}" from ${options.topic}`);
    }
    byIndex[index] = record;
  }
  const missing = byIndex.indexOf(undefined);
  if (missing !== -1 || records.length !== options.keys.length) {
    throw new Error(
      `kcat consumed ${records.length} of ${options.keys.length} records from ${options.topic}`,
    );
  }
  return byIndex as KcatRecord[];
}

/**
 * kcat splits stdin on multi-byte delimiters (binary-safe). Keys can hold any byte, so the
 * delimiters are random ASCII strings, and the split kcat will do is replayed here to prove
 * that no key contains or borders on one.
 */
function encodeInput(keys: readonly ParityKey[]): {
  input: Buffer;
  keyDelimiter: string;
  messageDelimiter: string;
} {
  const random = seededRandom(keys.length);
  const token = () =>
    Array.from({ length: 24 }, () => String.fromCharCode(65 + Math.floor(random() * 26))).join('');
  for (let attempt = 0; attempt < 10; attempt++) {
    const keyDelimiter = `<K${token()}>`;
    const messageDelimiter = `<M${token()}>`;
    const kd = Buffer.from(keyDelimiter);
    const md = Buffer.from(messageDelimiter);
    const parts: Buffer[] = [];
    keys.forEach((key, index) => {
      if (key !== null) parts.push(key, kd);
      parts.push(Buffer.from(String(index)), md);
    });
    const input = Buffer.concat(parts);
    if (splitsBack(input, kd, md, keys)) return { input, keyDelimiter, messageDelimiter };
  }
  throw new Error('could not find kcat delimiters that no key contains');
}

function splitsBack(input: Buffer, kd: Buffer, md: Buffer, keys: readonly ParityKey[]): boolean {
  let at = 0;
  for (let index = 0; index < keys.length; index++) {
    const end = input.indexOf(md, at);
    if (end === -1) return false;
    const message = input.subarray(at, end);
    at = end + md.length;
    const split = message.indexOf(kd);
    const key = split === -1 ? null : message.subarray(0, split);
    const value = split === -1 ? message : message.subarray(split + kd.length);
    const expected = keys[index] ?? null;
    if ((key === null) !== (expected === null)) return false;
    if (key !== null && expected !== null && !key.equals(expected)) return false;
    if (value.toString('latin1') !== String(index)) return false;
  }
  return at === input.length;
}

/** Parses `%K\t%k\t%p\t%s\n` records: the key length prefix makes binary keys unambiguous. */
function parseConsumed(stdout: Buffer): { index: number; record: KcatRecord }[] {
  const TAB = 0x09;
  const NEWLINE = 0x0a;
  const records: { index: number; record: KcatRecord }[] = [];
  let at = 0;
  const until = (byte: number): string => {
    const end = stdout.indexOf(byte, at);
    if (end === -1) throw new Error(`truncated kcat output at byte ${at}`);
    const text = stdout.subarray(at, end).toString('latin1');
    at = end + 1;
    return text;
  };
  while (at < stdout.length) {
    const keyLength = Number(until(TAB));
    const key = Buffer.from(stdout.subarray(at, at + Math.max(keyLength, 0)));
    at += Math.max(keyLength, 0);
    if (stdout[at] !== TAB) throw new Error(`malformed kcat output at byte ${at}`);
    at += 1;
    const partition = Number(until(TAB));
    const index = Number(until(NEWLINE));
    records.push({ index, record: { partition, keyLength, key } });
  }
  return records;
}
