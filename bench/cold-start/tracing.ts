/**
 * `npx tsx bench/cold-start/tracing.ts`: what OpenTelemetry support costs the SQS function's cold
 * start. The deployed bundle (buildBridgeBundle), written outside the project so no node_modules
 * of ours is reachable, as in Lambda; imported in fresh Node processes with:
 * - `KAFKA_TRACING=off` (nothing of OpenTelemetry is looked up),
 * - `auto` without the API (Lambda without the ADOT layer: one failed lookup, tracing off),
 * - `auto` with the API on NODE_PATH and a tracer provider registered by a `--require` preload (the
 *   ADOT layer's way); the API and the adapter chunk are then loaded as the first invocation does.
 * With BENCH_BASE_ROOT (a checkout of the commit to compare with, e.g. main, its node_modules a
 * link to ours) the same function built from that checkout is measured too. Sizes are the bytes
 * read at init and in total. A benchmark, not a test: prints a table.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/kafka/paths.ts';
import { median, percentile, table } from '../measure.ts';
import { type Built, deployed, outputBytes } from './build.ts';
import { loadOnce, writeRunner } from './load-time.ts';

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 30);
const BASE_ROOT = process.env.BENCH_BASE_ROOT;

const ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  AWS_REGION: 'eu-west-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bridge-sqs',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  KAFKA_BROKERS: 'b-1.bridge.abc123.c2.kafka.eu-west-1.amazonaws.com:9096',
  KAFKA_AUTH: 'scram-sha-512',
  KAFKA_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_bridge-AbCdEf',
  KAFKA_TLS: 'true',
  KAFKA_TOPIC: 'events',
  NODE_OPTIONS: '--enable-source-maps',
};

/** What the ADOT layer's wrapper does before the handler loads: registers a tracer provider. */
const PRELOAD = `
const api = require('@opentelemetry/api');
const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
api.trace.setGlobalTracerProvider(new BasicTracerProvider());
`;

interface Variant {
  name: string;
  built: Built;
  env: Record<string, string>;
  firstUse: string[];
}

const dir = await mkdtemp(join(tmpdir(), 'cold-start-tracing-'));
try {
  const runner = await writeRunner(dir);
  const preload = join(dir, 'adot-like.cjs');
  await writeFile(preload, PRELOAD);
  const branch = await deployed(join(PROJECT_ROOT, 'functions/sqs/index.ts'), join(dir, 'branch'));
  const adapterChunk = Object.entries(branch.metafile.outputs).find(
    ([, output]) => output.entryPoint === 'lib/tracing/opentelemetry.ts',
  )?.[0];
  const api = join(PROJECT_ROOT, 'node_modules/@opentelemetry/api/build/src/index.js');
  const variants: Variant[] = [];
  if (BASE_ROOT) {
    const { buildBridgeBundle } = (await import(
      join(resolve(BASE_ROOT), 'cdk/bundling/bridge-bundling.ts')
    )) as typeof import('../../cdk/bundling/bridge-bundling.ts');
    const base = buildBridgeBundle({
      entry: join(resolve(BASE_ROOT), 'functions/sqs/index.ts'),
      outdir: join(dir, 'base'),
      withIamSigner: false,
    });
    const built = { entry: base.entry, metafile: base.metafile, ...outputBytes(base.metafile, base.entry) };
    variants.push({ name: 'base (no tracing support)', built, env: ENV, firstUse: [] });
  }
  variants.push(
    { name: 'KAFKA_TRACING=off', built: branch, env: { ...ENV, KAFKA_TRACING: 'off' }, firstUse: [] },
    { name: 'auto, API absent', built: branch, env: ENV, firstUse: [] },
    {
      name: 'auto, API + provider (ADOT-like)',
      built: branch,
      env: {
        ...ENV,
        NODE_PATH: join(PROJECT_ROOT, 'node_modules'),
        NODE_OPTIONS: `${ENV.NODE_OPTIONS} --require ${preload}`,
      },
      firstUse: [api, ...(adapterChunk ? [resolve(adapterChunk)] : [])],
    },
  );
  const rows: Array<Record<string, string | number>> = [];
  const samples = new Map<string, { init: number[]; firstUse: number[] }>();
  for (const v of variants) samples.set(v.name, { init: [], firstUse: [] });
  // Interleaved, so a change in the machine's load touches every variant alike.
  for (let run = 0; run < RUNS; run++) {
    for (const v of variants) {
      const sample = await loadOnce(runner, v.built.entry, v.env, v.firstUse);
      samples.get(v.name)?.init.push(sample.importMs);
      samples.get(v.name)?.firstUse.push(sample.firstUseMs);
    }
  }
  for (const v of variants) {
    const s = samples.get(v.name) as { init: number[]; firstUse: number[] };
    rows.push({
      build: v.name,
      'init KB': Math.round(v.built.initBytes / 1024),
      'total KB': Math.round(v.built.totalBytes / 1024),
      'init p50 ms': median(s.init).toFixed(1),
      'init p90 ms': percentile(s.init, 90).toFixed(1),
      'tracing load p50 ms': v.firstUse.length > 0 ? median(s.firstUse).toFixed(1) : '-',
    });
  }
  const [one, five, fifteen] = loadavg().map((l) => l.toFixed(2));
  console.log(`${RUNS} runs each, ${cpus().length} CPUs, load average ${one} ${five} ${fifteen}`);
  console.log(table(rows));
} finally {
  await rm(dir, { recursive: true, force: true });
}
