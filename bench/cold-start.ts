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
import { bundled, naive, reachablePackages } from './cold-start/build.ts';
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

interface FunctionResult {
  function: string;
  /** The NodejsFunction-style single file (the goal's build). */
  bundle: { kb: number; loadMs: LoadMs; sizeGoalMet: boolean; timeGoalMet: boolean };
  /** The same with esbuild code splitting: lazily imported modules in chunks of their own. */
  split: { initKB: number; totalKB: number; loadMs: LoadMs; sizeGoalMet: boolean; timeGoalMet: boolean };
  /** Split, and kafkajs' deep modules instead of its index (a proposed lib/ change, simulated). */
  proposed: { initKB: number; totalKB: number; loadMs: LoadMs; sizeGoalMet: boolean; timeGoalMet: boolean };
  /** The handler transpiled, packages from node_modules. */
  naive: { ownKB: number; packages: number; packagesMB: number; loadMs: LoadMs };
  composition: Array<{ package: string; kb: number }>;
}

const summarize = (samples: LoadSample[]) => {
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
  const builds = {
    bundle: await bundled(source, join(dir, 'bundle')),
    split: await bundled(source, join(dir, 'split'), { splitting: true }),
    proposed: await bundled(source, join(dir, 'proposed'), { splitting: true, kafkajsDeep: true }),
    naive: await naive(source, join(dir, 'naive')),
  };
  const packages = await reachablePackages(source, join(dir, 'probe'));
  let packageBytes = 0;
  for (const pkg of packages) packageBytes += await treeBytes(pkg);
  const env = lambdaEnv(name);
  const samples = {
    bundle: [] as LoadSample[],
    split: [] as LoadSample[],
    proposed: [] as LoadSample[],
    naive: [] as LoadSample[],
  };
  // One untimed run each first (the OS file cache, as on a Lambda host that has run the function
  // before), then the builds in turn so machine drift hits all alike.
  for (const built of Object.values(builds)) await loadOnce(runner, built.entry, env);
  for (let i = 0; i < RUNS; i++) {
    for (const [kind, built] of Object.entries(builds)) {
      samples[kind as keyof typeof samples].push(await loadOnce(runner, built.entry, env));
    }
  }
  const bundleKB = round(builds.bundle.totalBytes / 1024, 1);
  const bundleMs = summarize(samples.bundle);
  const splitInitKB = round(builds.split.initBytes / 1024, 1);
  const splitMs = summarize(samples.split);
  const result: FunctionResult = {
    function: name,
    bundle: {
      kb: bundleKB,
      loadMs: bundleMs,
      sizeGoalMet: bundleKB <= GOAL_KB,
      timeGoalMet: bundleMs.p50 <= GOAL_MS,
    },
    split: {
      initKB: splitInitKB,
      totalKB: round(builds.split.totalBytes / 1024, 1),
      loadMs: splitMs,
      sizeGoalMet: splitInitKB <= GOAL_KB,
      timeGoalMet: splitMs.p50 <= GOAL_MS,
    },
    proposed: (() => {
      const initKB = round(builds.proposed.initBytes / 1024, 1);
      const loadMs = summarize(samples.proposed);
      return {
        initKB,
        totalKB: round(builds.proposed.totalBytes / 1024, 1),
        loadMs,
        sizeGoalMet: initKB <= GOAL_KB,
        timeGoalMet: loadMs.p50 <= GOAL_MS,
      };
    })(),
    naive: {
      ownKB: round(builds.naive.totalBytes / 1024, 1),
      packages: packages.length,
      packagesMB: round(packageBytes / 2 ** 20, 1),
      loadMs: summarize(samples.naive),
    },
    composition: composition(builds.bundle.metafile)
      .slice(0, 6)
      .map(([pkg, bytes]) => ({ package: pkg, kb: round(bytes / 1024, 1) })),
  };
  results.push(result);
  console.log(
    `${name}: bundle ${bundleKB} KB ${bundleMs.p50} ms; split ${splitInitKB} KB at init ${splitMs.p50} ms; naive ${result.naive.loadMs.p50} ms`,
  );
}
const loadAfter = loadavg();

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`\nMachine: ${machine}; median of ${RUNS} fresh processes per build\n`);
const verdict = (size: boolean, time: boolean) => `${size ? 'met' : 'MISSED'} / ${time ? 'met' : 'MISSED'}`;
console.log(
  table(
    results.map((r) => ({
      function: r.function,
      'bundle KB': r.bundle.kb.toFixed(1),
      'bundle ms p50 / p90': `${r.bundle.loadMs.p50} / ${r.bundle.loadMs.p90}`,
      'split KB at init (all)': `${r.split.initKB} (${r.split.totalKB})`,
      'split ms p50 / p90': `${r.split.loadMs.p50} / ${r.split.loadMs.p90}`,
      'split + deep kafkajs KB at init': `${r.proposed.initKB}`,
      'its ms p50 / p90': `${r.proposed.loadMs.p50} / ${r.proposed.loadMs.p90}`,
      'naive: packages (MB)': `${r.naive.packages} (${r.naive.packagesMB})`,
      'naive ms p50 / p90': `${r.naive.loadMs.p50} / ${r.naive.loadMs.p90}`,
      [`goal ${GOAL_KB} KB / ${GOAL_MS} ms: bundle`]: verdict(r.bundle.sizeGoalMet, r.bundle.timeGoalMet),
      split: verdict(r.split.sizeGoalMet, r.split.timeGoalMet),
      'split + deep': verdict(r.proposed.sizeGoalMet, r.proposed.timeGoalMet),
    })),
  ),
);
console.log('\nLargest parts of each bundle (KB in the minified output):');
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
      functions: results,
    },
    null,
    2,
  )}\n`,
);
await writeFile(
  join(resultsDir, 'cold-start.svg'),
  barChart({
    title: 'Cold start: module load + init, median of fresh Node 22 processes',
    subtitle: `${machine}; esbuild minified ESM, SDK included; naive = node_modules as installed`,
    unit: 'ms (lower is better)',
    marker: { value: GOAL_MS, label: `goal ${GOAL_MS} ms` },
    bars: results.flatMap((r) => [
      {
        label: `${r.function}: bundle (${r.bundle.kb} KB)`,
        value: r.bundle.loadMs.p50,
        annotation: `${r.bundle.loadMs.p50} ms`,
        color: KIND_COLORS.writer,
      },
      {
        label: `${r.function}: split bundle (${r.split.initKB} KB at init)`,
        value: r.split.loadMs.p50,
        annotation: `${r.split.loadMs.p50} ms`,
        color: KIND_COLORS.lambda,
      },
      {
        label: `${r.function}: split + deep kafkajs (${r.proposed.initKB} KB)`,
        value: r.proposed.loadMs.p50,
        annotation: `${r.proposed.loadMs.p50} ms`,
        color: KIND_COLORS.peer,
      },
      {
        label: `${r.function}: naive (${r.naive.packages} packages, ${r.naive.packagesMB} MB)`,
        value: r.naive.loadMs.p50,
        annotation: `${r.naive.loadMs.p50} ms`,
        color: KIND_COLORS.baseline,
      },
    ]),
  }),
);
console.log('Wrote bench/results/cold-start.json, cold-start.svg');
