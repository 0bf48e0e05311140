import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyMavenDependencies } from '../../../scripts/setup/maven-install.ts';
import { compileJavaPeer, JAVA_HINT } from '../peers/java-build.ts';
import { PEER_CACHE_DIR, PEERS_DIR, sourceDigest } from '../peers/peer-cache.ts';
import { runPeer } from '../peers/run-peer.ts';

const PEER_DIR = join(PEERS_DIR, 'apicurio-serde');
const POM = join(PEER_DIR, 'pom.xml');
const READER = join(PEER_DIR, 'ReadApicurioAvro.java');
const WRITER = join(PEER_DIR, 'WriteApicurioAvro.java');

let built: Promise<{ reader: string; writer: string }> | undefined;

/**
 * Resolves Apicurio's Kafka Avro serdes (test/peers/apicurio-serde/pom.xml) into
 * .cache/peers/apicurio-serde-libs-<pom digest> with `mvn`, and compiles the reader and the
 * writer against them; each only when missing. Returns their run classpaths.
 */
export function buildApicurioSerdePeers(): Promise<{ reader: string; writer: string }> {
  built ??= (async () => {
    const libs = join(PEER_CACHE_DIR, `apicurio-serde-libs-${await sourceDigest([POM])}`);
    await copyMavenDependencies(POM, libs, "Apicurio Registry's Kafka Avro serdes");
    return {
      reader: await compileJavaPeer('apicurio-avro-reader', READER, libs, [POM]),
      writer: await compileJavaPeer('apicurio-avro-writer', WRITER, libs, [POM]),
    };
  })().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}

/** One record as Apicurio's AvroKafkaDeserializer decoded it. */
export interface ApicurioDecodedRecord {
  partition: number;
  offset: number;
  /** The value as JSON (Avro's GenericData rendering, parsed back); `null` for a null value. */
  value: unknown;
}

/** Apicurio's deserializer refused one or more records; `failures` names each one and why. */
export class ApicurioJudgeError extends Error {
  constructor(
    readonly failures: { partition: number; offset: number; error: string }[],
    /** The records it did decode, for a test that wants to look at the rest. */
    readonly decoded: ApicurioDecodedRecord[],
  ) {
    const lines = failures.map((f) => `  ${f.partition}/${f.offset}: ${f.error}`);
    super(
      `Apicurio's AvroKafkaDeserializer could not decode ${failures.length} record(s):\n${lines.join('\n')}`,
    );
    this.name = 'ApicurioJudgeError';
  }
}

/** Options of {@link readWithApicurioAvro}. */
export interface ApicurioReadOptions {
  brokers: readonly string[];
  topic: string;
  /** How many records to wait for (the peer fails if fewer arrive within a minute). */
  count: number;
  /** The registry's own v3 API (`LocalApicurio.coreUrl`): Apicurio's serdes do not speak ccompat. */
  registryUrl: string;
}

/**
 * The Apicurio judge: consumes the first `count` records of `topic` from Kafka with a Java
 * KafkaConsumer and decodes each value with Apicurio's `AvroKafkaDeserializer` in
 * Confluent-compatible mode (magic byte 0 + 4-byte content id, schema fetched from the registry
 * by that id). Returns the values in partition then offset order; rejects with an
 * {@link ApicurioJudgeError} naming every record Apicurio could not decode.
 *
 * @example
 * const values = await readWithApicurioAvro({ brokers, topic, count: 2, registryUrl: registry.coreUrl });
 * expect(values.map((r) => r.value)).toEqual([{ id: 'o-1' }, { id: 'o-2' }]);
 */
export async function readWithApicurioAvro(options: ApicurioReadOptions): Promise<ApicurioDecodedRecord[]> {
  const { reader } = await buildApicurioSerdePeers();
  const { stdout } = await runPeer('java', {
    args: [
      '-cp',
      reader,
      'ReadApicurioAvro',
      options.brokers.join(','),
      options.topic,
      String(options.count),
      options.registryUrl,
    ],
    installHint: JAVA_HINT,
  });
  const decoded: ApicurioDecodedRecord[] = [];
  const failures: ApicurioJudgeError['failures'] = [];
  for (const line of stdout.toString('utf8').split('\n')) {
    if (line === '') continue;
    const [partition, offset, outcome, ...rest] = line.split('\t');
    const text = rest.join('\t');
    const where = { partition: Number(partition), offset: Number(offset) };
    if (outcome === 'OK') decoded.push({ ...where, value: JSON.parse(text) });
    else if (outcome === 'ERROR') failures.push({ ...where, error: text });
    else throw new Error(`unexpected Apicurio reader line "${line}"`);
  }
  if (decoded.length + failures.length !== options.count) {
    throw new Error(
      `Apicurio reader reported ${decoded.length + failures.length} of ${options.count} records`,
    );
  }
  if (failures.length > 0) throw new ApicurioJudgeError(failures, decoded);
  return decoded;
}

/** Options of {@link writeWithApicurioAvro}. */
export interface ApicurioWriteOptions {
  brokers: readonly string[];
  topic: string;
  /** The registry's own v3 API (`LocalApicurio.coreUrl`). */
  registryUrl: string;
  /** The Avro schema, already registered as the latest version of subject `<topic>-value`. */
  schema: string;
  /** Values in Avro's JSON encoding (a union's value is tagged with its branch: `{"string": "x"}`). */
  values: readonly unknown[];
}

/**
 * The reference producer: writes `values` to `topic` with Apicurio's `AvroKafkaSerializer` in
 * Confluent-compatible mode (never registering: it uses the latest version of `<topic>-value`).
 * Returns where each value landed, index-aligned with `values`.
 */
export async function writeWithApicurioAvro(
  options: ApicurioWriteOptions,
): Promise<{ partition: number; offset: number }[]> {
  const { writer } = await buildApicurioSerdePeers();
  const dir = await mkdtemp(join(tmpdir(), 'apicurio-writer-'));
  try {
    const schemaFile = join(dir, 'schema.avsc');
    await writeFile(schemaFile, options.schema);
    const { stdout } = await runPeer('java', {
      args: [
        '-cp',
        writer,
        'WriteApicurioAvro',
        options.brokers.join(','),
        options.topic,
        options.registryUrl,
        schemaFile,
      ],
      stdin: options.values.map((value) => `${JSON.stringify(value)}\n`).join(''),
      installHint: JAVA_HINT,
    });
    const landed = stdout
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [partition, offset] = line.split('\t').map(Number);
        return { partition: partition as number, offset: offset as number };
      });
    if (landed.length !== options.values.length) {
      throw new Error(`Apicurio writer acknowledged ${landed.length} of ${options.values.length} values`);
    }
    return landed;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
