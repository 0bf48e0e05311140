/**
 * `npx tsx bench/cold-start/schema-codecs.ts`: what each part of lib/schema costs a cold start.
 * Each case is bundled as the functions are (esbuild, minified ESM for Node 22, code splitting),
 * then imported in fresh Node processes: the time of `await import()` (the case's entry awaits
 * what it builds: a codec compiled from a schema, the Glue client) and the bytes of the files that
 * import loaded. Printed against a baseline in the same run: an empty module.
 *
 * `SCHEMA_BENCH_EXTRA=<dir>` adds a case per `*.mjs` in that directory, bundled with that
 * directory's node_modules (how @confluentinc/schemaregistry was measured, without making it a
 * dependency). `SCHEMA_BENCH_RUNS` sets the processes per case (default 21).
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../../scripts/kafka/paths.ts';
import { exec } from '../peers/exec.ts';

const RUNS = Number(process.env.SCHEMA_BENCH_RUNS ?? 21);
const OUT = join(PROJECT_ROOT, '.cache', 'bench', 'schema-codecs');
const LIB = join(PROJECT_ROOT, 'lib', 'schema');

const AVRO =
  '{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},{"name":"note","type":["null","string"],"default":null}]}';
const JSON_07 =
  '{"type":"object","properties":{"id":{"type":"integer"},"email":{"type":"string","format":"email"}},"required":["id"]}';
const JSON_2020 = JSON_07.replace('{', '{"$schema":"https://json-schema.org/draft/2020-12/schema",');
const PROTO =
  'syntax = "proto3"; package shop; message Order { string id = 1; message Line { string sku = 1; } repeated Line lines = 2; }';

/** Each case's entry source; imports of the project use absolute paths. */
const CASES: Record<string, string> = {
  baseline: 'export {};',
  factory: `import { createValueSerializer } from '${LIB}/index.ts';
    createValueSerializer({ format: 'avro', registry: { kind: 'confluent', url: 'http://127.0.0.1:1' } });`,
  avro: `import { loadCodec } from '${LIB}/formats/load-codec.ts';
    (await loadCodec('avro', ${JSON.stringify(AVRO)})).encode('{"id":1}');`,
  'json-schema draft-07': `import { loadCodec } from '${LIB}/formats/load-codec.ts';
    (await loadCodec('json-schema', ${JSON.stringify(JSON_07)})).encode('{"id":1}');`,
  'json-schema 2020-12': `import { loadCodec } from '${LIB}/formats/load-codec.ts';
    (await loadCodec('json-schema', ${JSON.stringify(JSON_2020)})).encode('{"id":1}');`,
  protobuf: `import { loadCodec } from '${LIB}/formats/load-codec.ts';
    (await loadCodec('protobuf', ${JSON.stringify(PROTO)})).encode('{"id":"a"}');`,
  'glue client': `import { GlueRegistryClient } from '${LIB}/registry/glue-client.ts';
    await new GlueRegistryClient({ registryName: 'r', region: 'eu-west-1' })['connect']();`,
};

/** The child: times the import, lists the files it loaded. */
const CHILD = `import { registerHooks } from 'node:module';
const loaded = new Set();
registerHooks({ resolve(s, c, next) { const r = next(s, c); if (r.url.startsWith('file:')) loaded.add(r.url); return r; } });
const start = performance.now();
await import(process.argv[2]);
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ ms, loaded: [...loaded] }));`;

interface Case {
  name: string;
  entry: string;
  samples: number[];
  loadedBytes: number;
  loadedFiles: number;
  totalBytes: number;
}

async function bundle(name: string, source: string, nodePaths: string[]): Promise<Case> {
  const dir = join(OUT, name.replaceAll(/[^a-z0-9]+/gi, '-'));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const input = join(dir, 'input.ts');
  writeFileSync(input, source);
  const result = await build({
    entryPoints: { index: input },
    outdir: join(dir, 'out'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    outExtension: { '.js': '.mjs' },
    nodePaths,
    mainFields: ['module', 'main'],
    // As cdk/bundling does: CommonJS dependencies get a require() that works in ESM (and, for the
    // extra cases' packages, the __dirname CommonJS had).
    banner: {
      js: [
        "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        "import { dirname as __dn } from 'node:path'; import { fileURLToPath as __fu } from 'node:url';",
        'const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);',
      ].join(' '),
    },
    metafile: true,
    logLevel: 'error',
  });
  const totalBytes = Object.entries(result.metafile.outputs)
    .filter(([path]) => path.endsWith('.mjs'))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
  return {
    name,
    entry: join(dir, 'out', 'index.mjs'),
    samples: [],
    loadedBytes: 0,
    loadedFiles: 0,
    totalBytes,
  };
}

async function main(): Promise<void> {
  if (!process.versions.node.startsWith('22.')) {
    throw new Error(`run on Node.js 22 (the Lambda runtime), this is ${process.version}`);
  }
  const cases: Case[] = [];
  for (const [name, source] of Object.entries(CASES)) cases.push(await bundle(name, source, []));
  const extra = process.env.SCHEMA_BENCH_EXTRA;
  if (extra) {
    for (const file of readdirSync(extra).filter((f) => f.endsWith('.mjs'))) {
      const source = `import '${join(extra, file)}';`;
      cases.push(await bundle(basename(file, '.mjs'), source, [join(extra, 'node_modules')]));
    }
  }
  const child = join(OUT, 'child.mjs');
  writeFileSync(child, CHILD);
  // Round-robin, so a busy moment of the machine slows every case alike; one unmeasured round first.
  for (let run = -1; run < RUNS; run++) {
    for (const item of cases) {
      const { stdout } = await exec(process.execPath, [child, item.entry], { timeoutMs: 60_000 });
      const { ms, loaded } = JSON.parse(stdout) as { ms: number; loaded: string[] };
      if (run < 0) continue;
      item.samples.push(ms);
      const files = loaded.filter((url) => url.includes('/out/'));
      item.loadedFiles = files.length;
      item.loadedBytes = files.reduce((sum, url) => sum + statSync(new URL(url)).size, 0);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const base = median(cases[0]?.samples ?? []);
  console.log(`lib/schema cold-start costs, ${RUNS} fresh Node ${process.version} processes each (median)`);
  console.log('case                          loaded KB  files  bundle KB  import ms  minus baseline ms');
  for (const item of cases) {
    const ms = median(item.samples);
    console.log(
      `${item.name.padEnd(30)}${(item.loadedBytes / 1024).toFixed(1).padStart(9)}  ${String(item.loadedFiles).padStart(5)}` +
        `${(item.totalBytes / 1024).toFixed(1).padStart(11)}${ms.toFixed(1).padStart(11)}${(ms - base).toFixed(1).padStart(19)}`,
    );
  }
}

await main();
