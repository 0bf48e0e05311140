import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lintTemplates } from '../../scripts/cfn-lint/lint.ts';
import { consumerLock } from '../support/consumer-lock.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { createTopic } from '../support/topics.ts';

const run = promisify(execFile);
const brokers = inject('kafkaBrokers');
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'package-consumer');

/** What a user installs next to the package, at the versions this project was tested with. */
const USER_DEPENDENCIES = ['aws-cdk-lib', 'constructs', 'esbuild', 'typescript', '@types/node'];

let scratch: string;
let tarballFiles: string[];

/**
 * `npm pack` (prepack builds dist/), then a user's project outside the repo installs the tarball
 * and its peers offline, from npm's cache (test/support/consumer-lock.ts): nothing from this repo
 * is reachable but the tarball.
 */
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'package-consumer-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], {
    cwd: PROJECT_ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as {
    name: string;
    version: string;
    filename: string;
    integrity: string;
    files: { path: string }[];
  }[];
  if (!packed) throw new Error(`npm pack printed no package:\n${stdout}`);
  tarballFiles = packed.files.map((f) => f.path);

  const repoLock = JSON.parse(await readFile(join(PROJECT_ROOT, 'package-lock.json'), 'utf8'));
  const manifest = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8'));
  const { lock, dependencies } = consumerLock(repoLock, { ...packed, manifest }, USER_DEPENDENCIES);
  await writeFile(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'package-consumer', private: true, type: 'module', dependencies }, null, 2),
  );
  await writeFile(join(scratch, 'package-lock.json'), JSON.stringify(lock, null, 2));
  for (const file of await readdir(FIXTURES)) await copyFile(join(FIXTURES, file), join(scratch, file));
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
    cwd: scratch,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stderr?: string }) => {
    throw new Error(`offline install of the tarball failed:\n${error.stderr ?? String(error)}`);
  });
}, 600_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the npm package, installed into a project outside the repo', () => {
  it('ships dist/, package.json, README and LICENSE only: no tests, bench, scripts or sources', () => {
    const outside = tarballFiles.filter((path) => !path.startsWith('dist/'));
    expect(outside.sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(tarballFiles.filter((path) => /(^|\/)(test|bench|scripts)\//.test(path))).toEqual([]);
    expect(tarballFiles.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
    // Every export's module and types are in it.
    for (const path of ['lib/index', 'lib/lambda/index', 'cdk/index']) {
      expect(tarballFiles).toEqual(expect.arrayContaining([`dist/${path}.js`, `dist/${path}.d.ts`]));
    }
  });

  it('is imported by plain node (root and /lambda) and writes to the broker', async () => {
    const topic = await createTopic(brokers);
    const { stdout } = await run(process.execPath, ['produce.mjs'], {
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        KAFKA_BROKERS: brokers.join(','),
        KAFKA_TOPIC: topic,
        AWS_REGION: 'eu-west-1',
      },
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(result.response).toEqual({ batchItemFailures: [] });
    expect(result.written).toEqual([{ topic, partition: expect.any(Number), offset: expect.any(String) }]);

    const records = await consumeWithKcat(brokers, topic, { count: 2 });
    expect(records.map((r) => r.value?.toString()).sort()).toEqual([
      'from the installed SQS handler',
      'from the installed Writer',
    ]);
  });

  it('is loaded by CommonJS callers with require (require(esm), Node 22.12+)', async () => {
    const script = [
      "const { Writer, RequiredAcks } = require('kafka-lambda-bridge');",
      "const { createSqsHandler } = require('kafka-lambda-bridge/lambda');",
      'console.log(typeof Writer, RequiredAcks.All, typeof createSqsHandler);',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--no-warnings', '-e', script], { cwd: scratch });
    expect(stdout.trim()).toBe('function -1 function');
  });

  it("type-checks a user's TypeScript against the published .d.ts", async () => {
    const tsc = join(scratch, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch }).then(
      () => ({ ok: true, output: '' }),
      (error: { stdout?: string }) => ({ ok: false, output: error.stdout ?? String(error) }),
    );
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  it('type-checks a Writer-only user with skipLibCheck off and no optional peer installed', async () => {
    const tsc = join(scratch, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.writer-only.json'], {
      cwd: scratch,
    }).then(
      () => ({ ok: true, output: '' }),
      (error: { stdout?: string }) => ({ ok: false, output: error.stdout ?? String(error) }),
    );
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  it("synthesizes a user's CDK app with KafkaLambdaBridge, bundled from the package, lint-clean", async () => {
    const outdir = join(scratch, 'cdk.out');
    await run(process.execPath, ['cdk-app.mjs'], {
      cwd: scratch,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CDK_OUTDIR: outdir },
      maxBuffer: 64 * 1024 * 1024,
    });
    const templatePath = join(outdir, 'OrdersIngest.template.json');
    const template = JSON.parse(await readFile(templatePath, 'utf8'));
    const functions = Object.entries(template.Resources as Record<string, { Type: string }>).filter(
      ([, resource]) => resource.Type === 'AWS::Lambda::Function',
    );
    expect(functions.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'BridgeEventBridgeFunction',
      'BridgeSqsFunction',
      'BridgeWebhookFunction',
    ]);

    // Each function's asset is an esbuild bundle of the package's own handler: its source map leads
    // through dist/ (whose maps esbuild follows) to the handler's source, one trigger per asset.
    const assets = (await readdir(outdir)).filter((name) => name.startsWith('asset.'));
    const handlers: string[] = [];
    for (const asset of assets) {
      expect(await readdir(join(outdir, asset))).toContain('index.mjs');
      const map = JSON.parse(await readFile(join(outdir, asset, 'index.mjs.map'), 'utf8'));
      handlers.push(
        ...map.sources.filter((s: string) => /^\.\.\/\.\.\/\.\.\/functions\/\w+\/index\.ts$/.test(s)),
      );
    }
    expect(handlers.sort()).toEqual([
      '../../../functions/eventbridge/index.ts',
      '../../../functions/sqs/index.ts',
      '../../../functions/webhook/index.ts',
    ]);

    const findings = await lintTemplates([templatePath]);
    expect(
      findings.filter((f) => f.level === 'Error').map((f) => `${f.rule} ${f.path}: ${f.message}`),
    ).toEqual([]);
  }, 180_000); // esbuild bundles three functions and the CDK synthesizes: minutes on a loaded 2-core machine
});
