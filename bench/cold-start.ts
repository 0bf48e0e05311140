/**
 * `npm run bench:cold-start`: for each deployable function (functions/*), the bundle CDK's
 * NodejsFunction makes against a naive build of the same handler: size, and module-load time as
 * the median of many fresh Node processes importing it with the function's environment set (so
 * its init runs: config read and validated, middy and Powertools set up). Writes
 * bench/results/cold-start.json and cold-start.svg. A benchmark, not a test.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { PROJECT_ROOT } from '../scripts/kafka/paths.ts';
import { barChart, KIND_COLORS } from './chart.ts';
import { type Built, bundled, naive, reachablePackages } from './cold-start/build.ts';
import { type LoadSample, loadOnce, writeRunner } from './cold-start/load-time.ts';
import { median, percentile, table } from './measure.ts';
import { BENCH_CACHE_DIR } from './peers/exec.ts';
import { round } from './results.ts';

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 40);
const FUNCTIONS = (process.env.BENCH_COLD_FUNCTIONS ?? 'webhook,sqs,eventbridge,scheduled').split(',');
const GOAL_KB = 400;
const GOAL_MS = 40;
const OUT = join(BENCH_CACHE_DIR, 'cold-start');

/** Environment of the function, as the CDK stack sets it (no secrets: auth none). */
function lambdaEnv(name: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: `bridge-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    KAFKA_BROKERS: 'b-1.example.kafka.us-east-1.amazonaws.com:9092',
    KAFKA_TOPIC: 'events',
    WEBHOOK_TOPICS: 'events',
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

/** The bundle's bytes by package (project code as "(project)"), largest first. */
function composition(metafile: Metafile): Array<[string, number]> {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1] ?? '(project)';
      const group = pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') ? '@aws-sdk + @smithy' : pkg;
      bytes.set(group, (bytes.get(group) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes.entries()].sort((a, b) => b[1] - a[1]);
}

/** Load times of one build, from fresh processes. */
interface LoadMs {
  p50: number;
  p90: number;
  min: number;
}

/** One build of one function. */
interface BuildResult {
  build: BuildId;
  /** Bytes Lambda reads at init: the file it imports and what that imports statically. */
  initKB: number;
  /** Every output file (the code in the deployment package). */
  totalKB: number;
  loadMs: LoadMs;
  /** Both goals apply to the code loaded at init. */
  sizeGoalMet: boolean;
  timeGoalMet: boolean;
}

interface FunctionResult {
  function: string;
  builds: BuildResult[];
  /** The naive build's packages, whole, as a node_modules zip ships them. */
  naivePackages: { count: number; mb: number };
  /** The single-file bundle's bytes by package, largest first. */
  composition: Array<{ package: string; kb: number }>;
}

/** The builds compared, in table order; `bundle` is the one the goal is judged on. */
const BUILDS = {
  bundle: "NodejsFunction-style single file, SDK inside (the goal's build)",
  'sdk-external': 'single file, @aws-sdk/* left to the Lambda runtime (as cdk/ bundles)',
  split: 'code-split: lazily imported modules in chunks of their own',
  'split-deep-kafkajs': 'code-split + kafkajs deep imports (proposed lib/ change, simulated)',
  naive: 'transpiled handler, packages from node_modules',
} as const;
type BuildId = keyof typeof BUILDS;

function build(id: BuildId, source: string, dir: string): Promise<Built> {
  const out = join(dir, id);
  switch (id) {
    case 'bundle':
      return bundled(source, out);
    case 'sdk-external':
      return bundled(source, out, { external: ['@aws-sdk/*'] });
    case 'split':
      return bundled(source, out, { splitting: true });
    case 'split-deep-kafkajs':
      return bundled(source, out, { splitting: true, kafkajsDeep: true });
    case 'naive':
      return naive(source, out);
  }
}

const summarize = (samples: LoadSample[]): LoadMs => {
  const ms = samples.map((s) => s.importMs);
  return { p50: round(median(ms), 1), p90: round(percentile(ms, 90), 1), min: round(Math.min(...ms), 1) };
};

if (Number(process.versions.node.split('.')[0]) < 22) {
  throw new Error(
    `Node ${process.version}: run \`npm run bench:cold-start\` so the project's Node 22 is used`,
  );
}
await mkdir(OUT, { recursive: true });
const runner = await writeRunner(OUT);
const loadBefore = loadavg();
const results: FunctionResult[] = [];
for (const name of FUNCTIONS) {
  const source = join(PROJECT_ROOT, 'functions', name, 'index.ts');
  const dir = join(OUT, name);
  const ids = Object.keys(BUILDS) as BuildId[];
  const builds = new Map<BuildId, Built>();
  for (const id of ids) builds.set(id, await build(id, source, dir));
  const packages = await reachablePackages(source, join(dir, 'probe'));
  let packageBytes = 0;
  for (const pkg of packages) packageBytes += await treeBytes(pkg);
  const env = lambdaEnv(name);
  const samples = new Map<BuildId, LoadSample[]>(ids.map((id) => [id, []]));
  // One untimed run each first (the OS file cache, as on a Lambda host that has run the function
  // before), then the builds in turn so machine drift hits all alike.
  for (const built of builds.values()) await loadOnce(runner, built.entry, env);
  for (let i = 0; i < RUNS; i++) {
    for (const [id, built] of builds) samples.get(id)?.push(await loadOnce(runner, built.entry, env));
  }
  const rows = ids.map((id): BuildResult => {
    const built = builds.get(id) as Built;
    const initKB = round(built.initBytes / 1024, 1);
    const loadMs = summarize(samples.get(id) ?? []);
    return {
      build: id,
      initKB,
      totalKB: round(built.totalBytes / 1024, 1),
      loadMs,
      sizeGoalMet: initKB <= GOAL_KB,
      timeGoalMet: loadMs.p50 <= GOAL_MS,
    };
  });
  results.push({
    function: name,
    builds: rows,
    naivePackages: { count: packages.length, mb: round(packageBytes / 2 ** 20, 1) },
    composition: composition((builds.get('bundle') as Built).metafile)
      .slice(0, 6)
      .map(([pkg, bytes]) => ({ package: pkg, kb: round(bytes / 1024, 1) })),
  });
  console.log(`${name}: ${rows.map((r) => `${r.build} ${r.initKB} KB ${r.loadMs.p50} ms`).join('; ')}`);
}
const loadAfter = loadavg();

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`\nMachine: ${machine}; median of ${RUNS} fresh processes per build\n`);
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
        [`goal <= ${GOAL_KB} KB / <= ${GOAL_MS} ms`]:
          b.build === 'naive'
            ? '-'
            : `${b.sizeGoalMet ? 'met' : 'MISSED'} / ${b.timeGoalMet ? 'met' : 'MISSED'}`,
      })),
    ),
  ),
);
console.log('\nBuilds:');
for (const [id, what] of Object.entries(BUILDS)) console.log(`  ${id}: ${what}`);
console.log('\nLargest parts of each single-file bundle (KB in the minified output):');
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
      loadAverage: { before: loadBefore, after: loadAfter },
      runs: RUNS,
      goal: { kb: GOAL_KB, ms: GOAL_MS },
      builds: BUILDS,
      functions: results,
    },
    null,
    2,
  )}\n`,
);
const colors: Record<BuildId, string> = {
  bundle: KIND_COLORS.writer,
  'sdk-external': KIND_COLORS.baseline,
  split: KIND_COLORS.lambda,
  'split-deep-kafkajs': KIND_COLORS.peer,
  naive: KIND_COLORS.bad,
};
await writeFile(
  join(resultsDir, 'cold-start.svg'),
  barChart({
    title: 'Cold start: module load + init, median of fresh Node 22 processes',
    subtitle: `${machine}; esbuild minified ESM for node22; KB loaded at init in brackets`,
    unit: 'ms (lower is better)',
    marker: { value: GOAL_MS, label: `goal ${GOAL_MS} ms` },
    bars: results.flatMap((r) =>
      r.builds.map((b) => ({
        label: `${r.function}: ${b.build} (${b.build === 'naive' ? `${r.naivePackages.count} packages` : `${b.initKB} KB`})`,
        value: b.loadMs.p50,
        annotation: `${b.loadMs.p50} ms`,
        color: colors[b.build],
      })),
    ),
  }),
);
console.log('Wrote bench/results/cold-start.json, cold-start.svg');
