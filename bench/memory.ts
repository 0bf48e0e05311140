/**
 * Peak memory of each deployed function for its largest legal input (bench/memory/inputs.ts),
 * over warm invocations. Each bundle is built by cdk/'s buildBridgeBundle (as
 * bench:cold-start builds it) and run as Lambda runs it: aws-lambda-ric under the Runtime
 * Interface Emulator (scripts/rie), with the heap flags Lambda's bootstrap sets for the memory
 * size (scripts/rie/node-flags.ts), writing to a real broker. The peak is VmHWM of the runtime's
 * Node.js process (it starts no children), read after every invocation; the V8 heap's peak comes
 * from a probe preloaded into that process (bench/memory/heap-probe.mjs). Writes
 * bench/results/memory.json. A benchmark, not a test.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import {
  CreateBucketCommand,
  DeleteObjectTaggingCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Kafka, logLevel } from 'kafkajs';
import { MALLOC_ENVIRONMENT } from '../cdk/constructs/runtime-environment.ts';
import { FUNCTION_ENTRIES } from '../cdk/paths.ts';
import { LocalKafkaCluster } from '../scripts/kafka/broker.ts';
import { LOCAL_SASL_USERS } from '../scripts/kafka/config.ts';
import { PROJECT_ROOT } from '../scripts/kafka/paths.ts';
import { ensureTlsMaterial } from '../scripts/kafka/tls.ts';
import { awsEnvFor, LocalMoto } from '../scripts/moto/server.ts';
import { type InvokeResult, LambdaEmulator } from '../scripts/rie/emulator.ts';
import { lambdaNodeFlags } from '../scripts/rie/node-flags.ts';
import { deployed } from './cold-start/build.ts';
import { median, table } from './measure.ts';
import {
  CLAIM_CHECK_BUCKET,
  eventBytes,
  type MemoryInput,
  memoryInputs,
  NDJSON_BUCKET,
} from './memory/inputs.ts';
import { type ResidentMemory, residentMemory } from './memory/proc-status.ts';
import { BENCH_CACHE_DIR } from './peers/exec.ts';
import { round } from './results.ts';
import { sourceState } from './source-state.ts';

const INVOCATIONS = Number(process.env.BENCH_MEMORY_INVOCATIONS ?? 20);
const MEMORY_MB = Number(process.env.BENCH_MEMORY_MB ?? 128);
const ONLY = process.env.BENCH_MEMORY_FUNCTIONS?.split(',');
/** Only the inputs whose description contains one of these (`BENCH_MEMORY_INPUTS=lines of 1,000,000`). */
const ONLY_INPUTS = process.env.BENCH_MEMORY_INPUTS?.split(';');
/** Print VmRSS and VmHWM after every invocation (`BENCH_MEMORY_TRACE=1`): where a peak was reached. */
const TRACE = process.env.BENCH_MEMORY_TRACE === '1';
/** A 128 MB function with room for what the runtime's sandbox holds besides the Node.js process. */
const GOAL_MIB = 115;
const OUT = join(BENCH_CACHE_DIR, 'memory');
const PROBE = join(PROJECT_ROOT, 'bench', 'memory', 'heap-probe.mjs');
const MiB = 2 ** 20;
/** moto (S3, Secrets Manager): next to the broker's port, which nothing else here uses. */
const MOTO_PORT = 35293;

/** What the rows write to and read from, set up once before the first row. */
interface BenchServices {
  /** PLAINTEXT listeners. */
  brokers: string[];
  /** The SASL_SSL listeners, the SCRAM user, the secret holding it and the CA, when a row writes there. */
  secure?: { brokers: string[]; username: string; password: string; secretArn: string; caPemPath: string };
  /** moto, when a row needs it; `s3` is the bench's own client (uploads, progress resets). */
  moto?: { endpoint: string; s3: S3Client };
}

/** One input's measurement. */
interface MemoryRow {
  function: string;
  input: string;
  eventMB: number;
  invocations: number;
  /** VmHWM after the last invocation (the process's peak over init and every invocation). */
  peakRssMiB: number;
  /** VmHWM after the first invocation: a later peak above it means memory grows when warm. */
  firstPeakRssMiB: number;
  rssAfterLastMiB: number;
  peakHeapUsedMiB: number;
  /** The heap V8 had reserved at its largest (used + garbage not yet collected + free). */
  peakHeapTotalMiB: number;
  peakExternalMiB: number;
  heapLimitMiB: number;
  /** Median wall time of the warm invocations (all but the first), through the emulator. */
  warmMedianMs: number;
  goalMet: boolean;
}

const mib = (bytes: number) => round(bytes / MiB, 1);

/**
 * Fails the run unless the function accepted the whole input: no SQS record handed back, a 200
 * from the webhook, every scheduled message or NDJSON line published in this invocation (its
 * ScheduledRunSummary), the object marked done, none failed, not stopped for time.
 */
function expectSuccess(input: MemoryInput, result: InvokeResult, output: () => string): void {
  const payload = result.kind === 'result' ? (result.payload as Record<string, unknown> | null) : null;
  const scheduled = input.scheduled;
  const failed =
    result.kind !== 'result' ||
    (input.function === 'sqs' && (payload?.batchItemFailures as unknown[] | undefined)?.length !== 0) ||
    (input.function === 'webhook' && payload?.statusCode !== 200) ||
    (input.function === 'scheduled' &&
      (scheduled === undefined ||
        payload?.published !== scheduled.published ||
        payload?.objectsDone !== scheduled.objectsDone ||
        payload?.objectsFailed !== 0 ||
        payload?.stoppedForTime !== false));
  if (failed) {
    const detail =
      result.kind === 'result' ? JSON.stringify(result.payload).slice(0, 500) : JSON.stringify(result);
    throw new Error(`${input.function} (${input.input}) failed: ${detail}\n${output().slice(-3000)}`);
  }
}

/** Region and the fake credentials moto accepts, as the function gets them from its environment. */
function awsClientSettings(endpoint: string) {
  const env = awsEnvFor(endpoint);
  return {
    region: env.AWS_REGION,
    forcePathStyle: true,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID as string,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY as string,
    },
  };
}

/**
 * The SASL_SSL listener of our broker, or the ones BENCH_SASL_SSL_BROKERS names (with the
 * project's local CA and SCRAM user), and a Secrets Manager secret (moto) holding that user, as
 * the deployed function reads it from KAFKA_SECRET_ARN.
 */
async function secureListener(
  own: LocalKafkaCluster | undefined,
  motoEndpoint: string,
): Promise<NonNullable<BenchServices['secure']>> {
  const given = process.env.BENCH_SASL_SSL_BROKERS?.split(',').filter(Boolean);
  if (!own && !given) {
    throw new Error('BENCH_BROKERS has no SASL_SSL listener: set BENCH_SASL_SSL_BROKERS as well');
  }
  const { caPemPath } = own?.tls ?? (await ensureTlsMaterial());
  const { username, password } = LOCAL_SASL_USERS.scram;
  const { forcePathStyle: _, ...settings } = awsClientSettings(motoEndpoint);
  const secrets = new SecretsManagerClient({ endpoint: motoEndpoint, ...settings });
  try {
    const { ARN } = await secrets.send(
      new CreateSecretCommand({
        Name: `bench-memory-kafka-${Date.now()}`,
        SecretString: JSON.stringify({ username, password }),
      }),
    );
    return {
      brokers: given ?? (own as LocalKafkaCluster).saslSslBrokers,
      username,
      password,
      secretArn: ARN as string,
      caPemPath,
    };
  } finally {
    secrets.destroy();
  }
}

/** Asks the probe in `pid` for its peaks and waits for the file. */
async function heapPeaks(pid: number, file: string): Promise<Record<string, number>> {
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Record<string, number>;
    await sleep(50);
  }
  throw new Error(`the heap probe in process ${pid} did not answer`);
}

/** The Kafka settings of a row: PLAINTEXT, or TLS + SCRAM-SHA-512 from Secrets Manager as deployed. */
function kafkaEnvironment(input: MemoryInput, services: BenchServices): Record<string, string> {
  if (input.listener !== 'sasl-ssl') {
    return { KAFKA_BROKERS: services.brokers.join(','), KAFKA_AUTH: 'none' };
  }
  const { secure } = services;
  if (!secure) throw new Error(`${input.function} (${input.input}) needs the SASL_SSL listener`);
  return {
    KAFKA_BROKERS: secure.brokers.join(','),
    KAFKA_AUTH: 'scram-sha-512',
    ...(input.credentials === 'environment'
      ? { KAFKA_USERNAME: secure.username, KAFKA_PASSWORD: secure.password }
      : { KAFKA_SECRET_ARN: secure.secretArn }),
    KAFKA_TLS: 'true',
    KAFKA_TLS_CA_FILE: secure.caPemPath,
  };
}

/** Clears the progress tags of a row's NDJSON object, so the next run reads it from its first line. */
async function resetProgress(input: MemoryInput, services: BenchServices): Promise<void> {
  if (!input.ndjson) return;
  const s3 = services.moto?.s3;
  if (!s3) throw new Error(`${input.function} (${input.input}) needs moto's S3`);
  await s3.send(new DeleteObjectTaggingCommand({ Bucket: NDJSON_BUCKET, Key: input.ndjson.key }));
}

async function measure(input: MemoryInput, index: number, services: BenchServices): Promise<MemoryRow> {
  const probeFile = join(OUT, `probe-${index}.json`);
  await rm(probeFile, { force: true });
  const emulator = await LambdaEmulator.start({
    name: `bridge-${input.function}`,
    codeDir: join(OUT, input.function),
    timeoutSeconds: input.timeoutSeconds ?? 120,
    memoryMb: MEMORY_MB,
    environment: {
      ...kafkaEnvironment(input, services),
      KAFKA_ACKS: 'all',
      KAFKA_IDEMPOTENT: 'true',
      KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'false',
      KAFKA_COMPRESSION: 'none',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      NODE_OPTIONS: `--enable-source-maps --import=${pathToFileURL(PROBE).href}`,
      ...MALLOC_ENVIRONMENT,
      MEMORY_PROBE_FILE: probeFile,
      ...(input.moto ? awsEnvFor(services.moto?.endpoint as string) : {}),
      ...input.environment,
    },
  });
  try {
    let firstPeak = 0;
    let last: ResidentMemory = { rssBytes: 0, peakRssBytes: 0, anonBytes: 0, fileBytes: 0 };
    let pid = 0;
    const warmMs: number[] = [];
    for (let i = 0; i < INVOCATIONS; i++) {
      await resetProgress(input, services);
      const started = performance.now();
      const result = await emulator.invoke(input.event);
      if (i > 0) warmMs.push(performance.now() - started);
      expectSuccess(input, result, () => emulator.output());
      const pids = await emulator.runtimePids();
      if (pids.length !== 1 || (pid !== 0 && pids[0] !== pid)) {
        throw new Error(
          `${input.function}: expected one warm runtime process, found ${pids.join(', ') || 'none'}`,
        );
      }
      pid = pids[0] as number;
      last = await residentMemory(pid);
      if (i === 0) firstPeak = last.peakRssBytes;
      if (TRACE) {
        console.log(
          `  ${input.input} #${i + 1}: VmRSS ${mib(last.rssBytes)} MiB (anonymous ${mib(last.anonBytes)}, ` +
            `file ${mib(last.fileBytes)}), VmHWM ${mib(last.peakRssBytes)} MiB`,
        );
      }
    }
    const heap = await heapPeaks(pid, probeFile);
    const peakRssMiB = mib(last.peakRssBytes);
    return {
      function: input.function,
      input: input.input,
      eventMB: round(eventBytes(input) / 1e6, 2),
      invocations: INVOCATIONS,
      peakRssMiB,
      firstPeakRssMiB: mib(firstPeak),
      rssAfterLastMiB: mib(last.rssBytes),
      peakHeapUsedMiB: mib(heap.heapUsedBytes ?? 0),
      peakHeapTotalMiB: mib(heap.heapTotalBytes ?? 0),
      peakExternalMiB: mib(heap.externalBytes ?? 0),
      heapLimitMiB: mib(heap.heapLimitBytes ?? 0),
      warmMedianMs: warmMs.length > 0 ? round(median(warmMs), 1) : 0,
      goalMet: peakRssMiB <= GOAL_MIB,
    };
  } finally {
    await emulator.stop();
  }
}

if (Number(process.versions.node.split('.')[0]) < 22) {
  throw new Error(`Node ${process.version}: run \`npm run bench:memory\` so the project's Node 22 is used`);
}
await mkdir(OUT, { recursive: true });
const source = await sourceState();
if (source.uncommitted.length > 0) {
  console.warn(`Measuring uncommitted changes:\n  ${source.uncommitted.join('\n  ')}`);
}
const topic = `memory-${Date.now()}`;
const inputs = memoryInputs(topic).filter(
  (input) =>
    (!ONLY || ONLY.includes(input.function)) &&
    (!ONLY_INPUTS || ONLY_INPUTS.some((part) => input.input.includes(part))),
);
for (const name of new Set(inputs.map((input) => input.function))) {
  await deployed(FUNCTION_ENTRIES[name], join(OUT, name));
}
// BENCH_BROKERS points at a running broker instead.
const given = process.env.BENCH_BROKERS?.split(',');
const cluster = given
  ? undefined
  : await LocalKafkaCluster.start({ name: 'bench-memory', nodeCount: 1, basePort: 35292 });
const moto = inputs.some((input) => input.moto) ? await LocalMoto.start({ port: MOTO_PORT }) : undefined;
const s3 = moto && new S3Client({ endpoint: moto.endpoint, ...awsClientSettings(moto.endpoint) });
const loadBefore = loadavg();
const rows: MemoryRow[] = [];
try {
  const brokers = given ?? (cluster as LocalKafkaCluster).brokers;
  const services: BenchServices = {
    brokers,
    ...(moto && s3 ? { moto: { endpoint: moto.endpoint, s3 } } : {}),
  };
  if (s3) {
    await s3.send(new CreateBucketCommand({ Bucket: CLAIM_CHECK_BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: NDJSON_BUCKET }));
    // Before the first invocation, as a bucket an operator fills; one at a time (hundreds of MB).
    for (const { ndjson } of inputs) {
      if (ndjson)
        await s3.send(new PutObjectCommand({ Bucket: NDJSON_BUCKET, Key: ndjson.key, Body: ndjson.body() }));
    }
  }
  if (inputs.some((input) => input.listener === 'sasl-ssl')) {
    services.secure = await secureListener(cluster, (moto as LocalMoto).endpoint);
  }
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    // Room for the largest single record (a webhook body near 6 MB).
    topics: [
      { topic, numPartitions: 6, configEntries: [{ name: 'max.message.bytes', value: String(8 * MiB) }] },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  for (const [index, input] of inputs.entries()) {
    const row = await measure(input, index, services);
    rows.push(row);
    console.log(
      `${row.function}, ${row.input}: peak RSS ${row.peakRssMiB} MiB, heap ${row.peakHeapUsedMiB} MiB`,
    );
  }
} finally {
  s3?.destroy();
  await cluster?.stop();
  await moto?.stop();
}
const loadAfter = loadavg();

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const flags = lambdaNodeFlags(MEMORY_MB).join(' ');
console.log(
  `\nMachine: ${machine}; ${MEMORY_MB} MB function (${flags}); ${INVOCATIONS} warm invocations each; commit ${source.commit}\n`,
);
console.log(
  table(
    rows.map((r) => ({
      function: r.function,
      input: r.input,
      'event MB': r.eventMB.toFixed(2),
      invocations: r.invocations,
      'peak RSS MiB': r.peakRssMiB.toFixed(1),
      'after 1st MiB': r.firstPeakRssMiB.toFixed(1),
      'heap used / total MiB': `${r.peakHeapUsedMiB.toFixed(1)} / ${r.peakHeapTotalMiB.toFixed(1)}`,
      'external MiB': r.peakExternalMiB.toFixed(1),
      'warm median ms': r.warmMedianMs.toFixed(0),
      [`<= ${GOAL_MIB} MiB`]: r.goalMet ? 'fits' : 'MISSED',
    })),
  ),
);
console.log(
  `\nLoad average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
);
await writeFile(
  join(PROJECT_ROOT, 'bench', 'results', 'memory.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine,
      source,
      loadAverage: { before: loadBefore, after: loadAfter },
      memoryMb: MEMORY_MB,
      nodeFlags: flags,
      goalMiB: GOAL_MIB,
      invocations: INVOCATIONS,
      rows,
    },
    null,
    2,
  )}\n`,
);
console.log('Wrote bench/results/memory.json');
