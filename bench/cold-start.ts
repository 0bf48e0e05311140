/**
 * `npm run bench:cold-start`: for each deployable function (functions/*), the bundle cdk/ deploys
 * (`buildBridgeBundle`: code-split, the AWS SDK inside) against the same code in one file with the
 * SDK inside, in one file with the SDK left to the runtime (the deployment before code splitting)
 * and a naive build of the same handler: size, and module-load time as the median of many fresh
 * Node processes importing it with the function's deployed environment (so its init runs: config
 * read and validated, middy and Powertools set up). Then, in the same processes, the modules the
 * function imports only at its first invocation (the SDK clients, the IAM signer), so the cost a
 * build defers stays visible. Writes bench/results/cold-start.json and
 * cold-start.svg. A benchmark, not a test.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../scripts/kafka/paths.ts';
import { barChart, KIND_COLORS } from './chart.ts';
import { type Built, deployed, naive, reachablePackages } from './cold-start/build.ts';
import { type LoadSample, loadOnce, writeRunner } from './cold-start/load-time.ts';
import { median, percentile, table } from './measure.ts';
import { BENCH_CACHE_DIR } from './peers/exec.ts';
import { round } from './results.ts';
import { sourceState } from './source-state.ts';

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 40);
const FUNCTIONS = (process.env.BENCH_COLD_FUNCTIONS ?? 'webhook,sqs,eventbridge,scheduled').split(',');
const GOAL_KB = 400;
const GOAL_MS = 40;
const OUT = join(BENCH_CACHE_DIR, 'cold-start');

/** The builds compared, in table order; `deployed` and `deployed-iam` are judged on the goal. */
const BUILDS = {
  deployed:
    'as cdk/ deploys it without IAM (SASL/SCRAM): buildBridgeBundle, code-split, @aws-sdk/* inside, MSK IAM signer and zstd WASM stubbed',
  'deployed-iam':
    'as cdk/ deploys it with MSK IAM: the same with the signer inside (its own chunk, node:crypto SHA-256)',
  'one-file': 'the deployed build without code splitting: one file, SDK clients parsed at init',
  'one-file-sdk-external':
    'one file, @aws-sdk/* left to the runtime: the deployment before code splitting (NodejsFunction)',
  naive: 'transpiled handler, packages (full SDK, signer, zstd WASM) from node_modules',
} as const;
type BuildId = keyof typeof BUILDS;

/** Bundles of each build (the naive one has its own). */
const VARIANTS = {
  deployed: {},
  'deployed-iam': { withIamSigner: true },
  'one-file': { oneFile: true },
  'one-file-sdk-external': { oneFile: true, externalSdk: true },
} as const;

/** Builds judged on the goal: what is deployed. */
const GOAL_BUILDS: readonly BuildId[] = ['deployed', 'deployed-iam'];

const SECRETS_MANAGER = '@aws-sdk/client-secrets-manager';
const S3 = '@aws-sdk/client-s3';
/** The MSK IAM signer: lib/auth/msk-iam.ts imports it at the first token. */
const SIGNER = 'aws-msk-iam-sasl-signer-js';

/**
 * The packages a function imports at its first invocation, in order: the webhook's HMAC secret
 * (the stack's default signature) and SCRAM credentials from Secrets Manager, the IAM signer (with
 * the SDK packages it requires), the scheduled function's S3 client (with an `s3://` source).
 */
function firstUsePackages(name: string, iam: boolean): string[] {
  const packages = iam ? [SIGNER] : [SECRETS_MANAGER];
  if (name === 'webhook' && iam) packages.push(SECRETS_MANAGER);
  if (name === 'scheduled') packages.push(S3);
  return packages;
}

/** The function's environment as the CDK stack sets it, with stand-ins for deploy-time values. */
function lambdaEnv(name: string, iam: boolean): Record<string, string> {
  const perFunction: Record<string, Record<string, string>> = {
    webhook: {
      WEBHOOK_TOPICS: 'webhooks',
      WEBHOOK_SIGNATURE: 'hmac-sha256',
      WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-AbCdEf',
    },
    sqs: { KAFKA_TOPIC: 'events', SQS_UNWRAP_SNS: 'false' },
    eventbridge: { KAFKA_TOPIC: 'events' },
    scheduled: { KAFKA_TOPIC: 'events', SCHEDULE_SOURCE: 's3://bridge-input/events/' },
  };
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_REGION: 'eu-west-1',
    AWS_LAMBDA_FUNCTION_NAME: `bridge-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    ...(iam
      ? {
          KAFKA_BROKERS: 'b-1.bridge.abc123.c2.kafka.eu-west-1.amazonaws.com:9098',
          KAFKA_AUTH: 'aws-iam',
          KAFKA_REGION: 'eu-west-1',
        }
      : {
          KAFKA_BROKERS: 'b-1.bridge.abc123.c2.kafka.eu-west-1.amazonaws.com:9096',
          KAFKA_AUTH: 'scram-sha-512',
          KAFKA_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_bridge-AbCdEf',
        }),
    KAFKA_TLS: 'true',
    KAFKA_IDEMPOTENT: 'false',
    KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'false',
    KAFKA_ACKS: 'all',
    KAFKA_COMPRESSION: 'none',
    NODE_OPTIONS: '--enable-source-maps',
    ...perFunction[name],
  };
}

/** Bytes of a file tree (a package as a naive zip ships it). */
async function treeBytes(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await treeBytes(join(path, entry));
  return total;
}

/** The bytes by package (project code as "(project)") of the files read at init, largest first. */
function composition({ metafile, initFiles }: Built): Array<[string, number]> {
  const bytes = new Map<string, number>();
  for (const [path, output] of Object.entries(metafile.outputs)) {
    if (!initFiles.includes(resolve(path))) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1] ?? '(project)';
      const group = pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') ? '@aws-sdk + @smithy' : pkg;
      bytes.set(group, (bytes.get(group) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes.entries()].sort((a, b) => b[1] - a[1]);
}

/** Times from fresh processes. */
interface Ms {
  p50: number;
  p90: number;
  min: number;
}

/** One build of one function. */
interface BuildResult {
  build: BuildId;
  /** Bytes Lambda reads at init: the file it imports and what that imports statically. */
  initKB: number;
  /** Every JavaScript output file (the code in the deployment package). */
  totalKB: number;
  /** The source maps beside it, read at init under `--enable-source-maps`. */
  mapKB: number;
  loadMs: Ms;
  /**
   * Loading `firstUse` after init, as the first invocation does; absent when the build has those
   * modules inside its one file (parsed at init, so in `loadMs`).
   */
  firstUseMs?: Ms;
  /** What the first invocation loads: SDK packages, or the code-split chunks holding them. */
  firstUse: string[];
  /** Both goals apply to the code loaded at init (deployed builds only). */
  sizeGoalMet?: boolean;
  timeGoalMet?: boolean;
}

interface FunctionResult {
  function: string;
  builds: BuildResult[];
  /** The naive build's packages, whole, as a node_modules zip ships them. */
  naivePackages: { count: number; mb: number };
  /** The deployed bundle's bytes at init by package, largest first. */
  composition: Array<{ package: string; kb: number }>;
}

function build(id: BuildId, source: string, dir: string): Promise<Built> {
  const out = join(dir, id);
  return id === 'naive' ? naive(source, out) : deployed(source, out, VARIANTS[id]);
}

/**
 * The modules a build's first invocation imports: bare names (resolved from node_modules, standing
 * in for the runtime's SDK), or the code-split chunks that hold them.
 */
function firstUseOf(id: BuildId, name: string, built: Built): string[] {
  const packages = firstUsePackages(name, id === 'deployed-iam');
  if (id === 'one-file') return [];
  if (id === 'one-file-sdk-external' || id === 'naive') return packages;
  return packages.map((pkg) => {
    const chunk = built.lazyChunks.get(pkg);
    if (!chunk) throw new Error(`${name}: no code-split chunk for ${pkg}`);
    return chunk;
  });
}

const summarize = (ms: number[]): Ms => ({
  p50: round(median(ms), 1),
  p90: round(percentile(ms, 90), 1),
  min: round(Math.min(...ms), 1),
});

if (Number(process.versions.node.split('.')[0]) < 22) {
  throw new Error(
    `Node ${process.version}: run \`npm run bench:cold-start\` so the project's Node 22 is used`,
  );
}
await mkdir(OUT, { recursive: true });
const runner = await writeRunner(OUT);
const source = await sourceState();
if (source.uncommitted.length > 0) {
  console.warn(`Measuring uncommitted changes:\n  ${source.uncommitted.join('\n  ')}`);
}
const loadBefore = loadavg();
const results: FunctionResult[] = [];
for (const name of FUNCTIONS) {
  const entrySource = join(PROJECT_ROOT, 'functions', name, 'index.ts');
  const dir = join(OUT, name);
  const ids = Object.keys(BUILDS) as BuildId[];
  const builds = new Map<BuildId, Built>();
  for (const id of ids) builds.set(id, await build(id, entrySource, dir));
  const packages = await reachablePackages(entrySource, join(dir, 'probe'));
  let packageBytes = 0;
  for (const pkg of packages) packageBytes += await treeBytes(pkg);
  const runs = ids.map((id) => {
    const built = builds.get(id) as Built;
    return {
      id,
      built,
      env: lambdaEnv(name, id === 'deployed-iam'),
      firstUse: firstUseOf(id, name, built),
      samples: [] as LoadSample[],
    };
  });
  // One untimed run each first (the OS file cache, as on a Lambda host that has run the function
  // before), then the builds in turn so machine drift hits all alike.
  for (const run of runs) await loadOnce(runner, run.built.entry, run.env, run.firstUse);
  for (let i = 0; i < RUNS; i++) {
    for (const run of runs) run.samples.push(await loadOnce(runner, run.built.entry, run.env, run.firstUse));
  }
  const rows = runs.map(({ id, built, firstUse, samples }): BuildResult => {
    const initKB = round(built.initBytes / 1024, 1);
    const loadMs = summarize(samples.map((s) => s.importMs));
    return {
      build: id,
      initKB,
      totalKB: round(built.totalBytes / 1024, 1),
      mapKB: round(built.mapBytes / 1024, 1),
      loadMs,
      ...(firstUse.length > 0 ? { firstUseMs: summarize(samples.map((s) => s.firstUseMs)) } : {}),
      firstUse: firstUse.map((path) => path.replace(`${OUT}/`, '')),
      ...(GOAL_BUILDS.includes(id)
        ? { sizeGoalMet: initKB <= GOAL_KB, timeGoalMet: loadMs.p50 <= GOAL_MS }
        : {}),
    };
  });
  results.push({
    function: name,
    builds: rows,
    naivePackages: { count: packages.length, mb: round(packageBytes / 2 ** 20, 1) },
    composition: composition(builds.get('deployed') as Built)
      .slice(0, 6)
      .map(([pkg, bytes]) => ({ package: pkg, kb: round(bytes / 1024, 1) })),
  });
  console.log(`${name}: ${rows.map((r) => `${r.build} ${r.initKB} KB ${r.loadMs.p50} ms`).join('; ')}`);
}
const loadAfter = loadavg();

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`\nMachine: ${machine}; ${RUNS} fresh processes per build; commit ${source.commit}\n`);
console.log(
  table(
    results.flatMap((r) =>
      r.builds.map((b) => ({
        function: r.function,
        build: b.build,
        'KB at init':
          b.build === 'naive' ? `${b.initKB} + ${r.naivePackages.count} packages` : b.initKB.toFixed(1),
        'KB total': b.build === 'naive' ? `${r.naivePackages.mb} MB packages` : b.totalKB.toFixed(1),
        'load ms p50': b.loadMs.p50.toFixed(1),
        'load ms p90': b.loadMs.p90.toFixed(1),
        'first use ms p50 / p90': b.firstUseMs
          ? `${b.firstUseMs.p50.toFixed(1)} / ${b.firstUseMs.p90.toFixed(1)}`
          : 'in init',
        [`goal <= ${GOAL_KB} KB / <= ${GOAL_MS} ms`]:
          b.sizeGoalMet === undefined
            ? '-'
            : `${b.sizeGoalMet ? 'met' : 'MISSED'} / ${b.timeGoalMet ? 'met' : 'MISSED'}`,
      })),
    ),
  ),
);
console.log('\nBuilds:');
for (const [id, what] of Object.entries(BUILDS)) console.log(`  ${id}: ${what}`);
console.log('\nFirst use (after init, as the first invocation):');
for (const name of FUNCTIONS) {
  console.log(
    `  ${name}: ${firstUsePackages(name, false).join(' + ')}; with IAM ${firstUsePackages(name, true).join(' + ')}`,
  );
}
console.log('\nLargest parts of each deployed bundle at init (KB in the minified output):');
for (const r of results) {
  console.log(`  ${r.function}: ${r.composition.map((c) => `${c.package} ${c.kb}`).join(', ')}`);
}
console.log(
  `\nLoad average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
);

const resultsDir = join(PROJECT_ROOT, 'bench', 'results');
await writeFile(
  join(resultsDir, 'cold-start.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine,
      source,
      loadAverage: { before: loadBefore, after: loadAfter },
      runs: RUNS,
      goal: { kb: GOAL_KB, ms: GOAL_MS },
      builds: BUILDS,
      firstUse: Object.fromEntries(
        FUNCTIONS.map((name) => [
          name,
          { withoutIam: firstUsePackages(name, false), withIam: firstUsePackages(name, true) },
        ]),
      ),
      functions: results,
    },
    null,
    2,
  )}\n`,
);
const colors: Record<BuildId, string> = {
  deployed: KIND_COLORS.writer,
  'deployed-iam': KIND_COLORS.peer,
  'one-file': KIND_COLORS.baseline,
  'one-file-sdk-external': KIND_COLORS.lambda,
  naive: KIND_COLORS.bad,
};
await writeFile(
  join(resultsDir, 'cold-start.svg'),
  barChart({
    title: 'Cold start: module load + init, median of fresh Node 22 processes',
    subtitle: `${machine}; builds by cdk/'s buildBridgeBundle(); KB loaded at init in brackets`,
    unit: 'ms (lower is better)',
    marker: { value: GOAL_MS, label: `goal ${GOAL_MS} ms` },
    bars: results.flatMap((r) =>
      r.builds.map((b) => ({
        label: `${r.function}: ${b.build} (${b.build === 'naive' ? `${r.naivePackages.count} packages` : `${b.initKB} KB`})`,
        value: b.loadMs.p50,
        annotation: `${b.loadMs.p50} ms${b.firstUseMs ? ` (+${b.firstUseMs.p50} first use)` : ''}`,
        color: colors[b.build],
      })),
    ),
  }),
);
console.log('Wrote bench/results/cold-start.json, cold-start.svg');
