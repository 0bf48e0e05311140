/**
 * @confluentinc/kafka-javascript: Confluent's librdkafka-based client with a KafkaJS-compatible
 * API, the migration target kafkajs users are pointed at. Its prebuilt binary is downloaded from
 * GitHub by its install script, which this machine cannot reach, so it is built from the sources
 * the npm package ships (librdkafka included) into .cache/bench, once per version.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Contender } from '../contender.ts';
import { sliceOf, timedCalls } from '../contender.ts';
import type { BenchMessage } from '../workload.ts';
import { BENCH_CACHE_DIR, exec } from './exec.ts';

export const CONFLUENT_VERSION = '1.10.1';
const INSTALL_DIR = join(BENCH_CACHE_DIR, `confluent-kafka-javascript-${CONFLUENT_VERSION}`);
const PACKAGE = '@confluentinc/kafka-javascript';

/** The parts of the KafkaJS-compatible API the contender uses. */
interface CompatProducer {
  connect(): Promise<void>;
  send(record: { topic: string; messages: BenchMessage[] }): Promise<unknown>;
  disconnect(): Promise<void>;
}
interface CompatModule {
  librdkafkaVersion: string;
  KafkaJS: {
    Kafka: new (config: {
      kafkaJS: { brokers: string[]; logLevel?: number };
    }) => { producer(config: Record<string, unknown>): CompatProducer };
    logLevel: { NOTHING: number };
  };
}

/**
 * Node's headers for node-gyp, which would otherwise download them from nodejs.org: the `node`
 * devDependency's platform package ships them beside its binary; where npm flattened that away,
 * the same package is fetched from the registry into the cache. Checked against the running
 * version, since the addon is built for one ABI.
 */
async function nodeHeadersDir(): Promise<string> {
  const platformPackage = `node-${process.platform}-${process.arch}`;
  const cached = join(BENCH_CACHE_DIR, `${platformPackage}-${process.version}`, 'package');
  const candidates = [
    dirname(dirname(process.execPath)),
    join(process.cwd(), 'node_modules', 'node', 'node_modules', platformPackage),
    cached,
  ];
  for (const dir of candidates) if (await headersMatch(dir)) return dir;
  await mkdir(dirname(cached), { recursive: true });
  const { stdout } = await exec(
    'npm',
    ['pack', '--silent', `${platformPackage}@${process.version.slice(1)}`],
    {
      cwd: dirname(cached),
      timeoutMs: 300_000,
    },
  );
  await exec('tar', ['xzf', stdout.trim()], { cwd: dirname(cached) });
  if (await headersMatch(cached)) return cached;
  throw new Error(`no Node ${process.version} headers in ${candidates.join(', ')}`);
}

async function headersMatch(dir: string): Promise<boolean> {
  const versionHeader = join(dir, 'include', 'node', 'node_version.h');
  if (!existsSync(versionHeader)) return false;
  const text = await readFile(versionHeader, 'utf8');
  const part = (name: string) => new RegExp(`#define ${name} (\\d+)`).exec(text)?.[1];
  return (
    `v${part('NODE_MAJOR_VERSION')}.${part('NODE_MINOR_VERSION')}.${part('NODE_PATCH_VERSION')}` ===
    process.version
  );
}

/**
 * Builds the client once: npm installs the package with its install script allowed; the script's
 * download fails and it falls back to node-gyp, which compiles librdkafka and the addon.
 * CKJS_LINKING=dynamic makes librdkafka use the system's OpenSSL and zlib instead of downloading
 * and building its own; the addon finds the librdkafka it built through its rpath.
 */
async function ensureBuilt(): Promise<string> {
  const marker = join(INSTALL_DIR, '.built');
  if (existsSync(marker)) return INSTALL_DIR;
  const partial = `${INSTALL_DIR}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await writeFile(
    join(partial, 'package.json'),
    `${JSON.stringify({ name: 'bench-confluent', private: true, allowScripts: { [PACKAGE]: true } }, null, 2)}\n`,
  );
  console.log(
    `Building ${PACKAGE} ${CONFLUENT_VERSION} from its sources (librdkafka included; ~2 min, once)...`,
  );
  await exec(
    'npm',
    ['install', '--no-audit', '--no-fund', '--foreground-scripts', `${PACKAGE}@${CONFLUENT_VERSION}`],
    {
      cwd: partial,
      timeoutMs: 900_000,
      env: {
        ...process.env,
        CKJS_LINKING: 'dynamic',
        npm_config_nodedir: await nodeHeadersDir(),
        // node-gyp and the package's scripts must run on the Node the addon is loaded into.
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      },
      hint: 'a C/C++ toolchain (g++, make, python3) and libssl-dev + zlib1g-dev are needed',
    },
  );
  await writeFile(join(partial, '.built'), `${CONFLUENT_VERSION}\n`);
  await rm(INSTALL_DIR, { recursive: true, force: true });
  await rename(partial, INSTALL_DIR);
  return INSTALL_DIR;
}

async function loadClient(): Promise<CompatModule> {
  const dir = await ensureBuilt();
  return createRequire(join(dir, 'package.json'))(PACKAGE) as CompatModule;
}

/**
 * The client as a contender. `sync`: one awaited `send` per call, like kafkajs' sendBatch and the
 * Writer's sync calls. `streamed`: every call's `send` issued at once and awaited together, the
 * way librdkafka is meant to be fed (its queue batches them). acks=all, idempotence off, as the
 * other peers; everything else the compatibility layer's defaults (murmur2_random partitioner,
 * librdkafka's linger.ms 5), which is what a migrating kafkajs user gets.
 */
export async function confluentContender(
  target: { brokers: string[]; topic: string; calls: BenchMessage[][] },
  mode: 'sync' | 'streamed',
): Promise<Contender> {
  const client = await loadClient();
  const { Kafka, logLevel } = client.KafkaJS;
  const producer = new Kafka({ kafkaJS: { brokers: target.brokers, logLevel: logLevel.NOTHING } }).producer({
    kafkaJS: { acks: -1, idempotent: false },
  });
  await producer.connect();
  // Its send() writes into the message objects (partition -1, timestamp 0, headers), and the
  // workload's objects are shared with the other contenders: kafkajs then sent nothing for them
  // and still resolved. So it gets copies of its own, made once.
  const calls = target.calls.map((messages) => messages.map((m) => ({ key: m.key, value: m.value })));
  const send = (messages: BenchMessage[]) => producer.send({ topic: target.topic, messages });
  return {
    id: mode === 'sync' ? 'confluent' : 'confluent-streamed',
    name:
      mode === 'sync'
        ? `${PACKAGE} send, awaited per call`
        : `${PACKAGE} send, all calls in flight (streamed)`,
    kind: 'peer',
    note: `${CONFLUENT_VERSION} built from its npm sources, librdkafka ${client.librdkafkaVersion}, KafkaJS-compatible API`,
    sliceable: true,
    round: async (onCall, slice) => {
      if (mode === 'sync') return timedCalls(calls, send, onCall, slice);
      await Promise.all(sliceOf(calls, slice).map(send));
    },
    close: () => producer.disconnect(),
  };
}
