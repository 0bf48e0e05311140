import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Sha256 as JsSha256 } from '@aws-crypto/sha256-js';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { build } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildBridgeBundle } from '../../cdk/bundling/bridge-bundling.ts';
import { bridgeCode } from '../../cdk/bundling/bridge-code.ts';
import { Sha256 as NodeSha256 } from '../../cdk/bundling/sha256-node.ts';
import { FUNCTION_ENTRIES } from '../../cdk/paths.ts';
import { CDK_JSON_CONTEXT, projectTempDir, tempDir } from './support.ts';

/** The token provider the functions use for MSK IAM, bundled here by path as functions/ import it. */
const MSK_IAM_MODULE = fileURLToPath(new URL('../../lib/auth/msk-iam.ts', import.meta.url));

type Data = string | Uint8Array | ArrayBuffer | DataView;

const digestOf = async (
  Hash: new (secret?: Data) => { update(d: Data): void; digest(): Promise<Uint8Array> },
  secret: Data | undefined,
  parts: Data[],
) => {
  const hash = new Hash(secret);
  for (const part of parts) hash.update(part);
  return Buffer.from(await hash.digest()).toString('hex');
};

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);

describe('sha256-node (the IAM bundles’ @aws-crypto/sha256-js)', () => {
  it.each([
    ['an empty input', undefined, []],
    ['a UTF-8 string', undefined, ['kafka-cluster:Connect ✓ ünïcode']],
    [
      'several updates of mixed types',
      undefined,
      ['a', bytes(100), bytes(64).buffer, new DataView(bytes(33).buffer, 3, 20)],
    ],
    ['an HMAC with a string secret', 'AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', ['20240101']],
    ['an HMAC with a key longer than a block', bytes(200), ['payload', bytes(1000)]],
    ['an HMAC with a byte secret', bytes(32), ['eu-west-1', 'kafka-cluster', 'aws4_request']],
    ["'' as a secret (a plain hash, as in the original)", '', ['x']],
  ] as [string, Data | undefined, Data[]][])(
    'digests %s exactly as the original',
    async (_, secret, parts) => {
      expect(await digestOf(NodeSha256, secret, parts)).toBe(await digestOf(JsSha256, secret, parts));
    },
  );

  it('returns the same digest when asked twice, and starts over after reset', async () => {
    const hash = new NodeSha256('k');
    hash.update('a');
    const first = Buffer.from(await hash.digest()).toString('hex');
    expect(Buffer.from(hash.digestSync()).toString('hex')).toBe(first);
    hash.reset();
    hash.update('a');
    expect(Buffer.from(await hash.digest()).toString('hex')).toBe(first);
  });
});

/** Every file under `dir`, relative, with its bytes. */
async function filesOf(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), await readFile(path, 'base64'));
  }
  return files;
}

describe('buildBridgeBundle', () => {
  it('writes the same bytes wherever the output goes, so the asset hash is the code’s alone', async () => {
    const [here, there] = [await projectTempDir('bundle-a-'), await tempDir('bundle-b-')];
    buildBridgeBundle({ entry: FUNCTION_ENTRIES.sqs, outdir: join(here, 'out'), withIamSigner: false });
    buildBridgeBundle({
      entry: FUNCTION_ENTRIES.sqs,
      outdir: join(there, 'a', 'b', 'out'),
      withIamSigner: false,
    });

    const [a, b] = [await filesOf(join(here, 'out')), await filesOf(join(there, 'a', 'b', 'out'))];
    expect(a.has('index.mjs')).toBe(true);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [path, bytes] of a) expect([path, b.get(path) === bytes]).toEqual([path, true]);
    // Source maps point at the sources as seen from functions/<trigger>/ in the repository.
    const map = JSON.parse(Buffer.from(a.get('index.mjs.map') as string, 'base64').toString());
    expect(map.sources).toContain('../../lib/lambda/sqs/handler.ts');
    await Promise.all([here, there].map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('throws with esbuild’s message when the entry does not build', async () => {
    const dir = await tempDir('bundle-broken-');
    const entry = join(dir, 'index.ts');
    await writeFile(entry, "export { handler } from 'no-such-package';\n");

    expect(() => buildBridgeBundle({ entry, outdir: join(dir, 'out'), withIamSigner: false })).toThrow(
      /esbuild could not bundle .*index\.ts: .*Could not resolve "no-such-package"/,
    );
    await rm(dir, { recursive: true, force: true });
  });
});

describe('bridgeCode', () => {
  /** A stack that bundles (no `aws:cdk:bundling-stacks` override), with `code` on one function each. */
  const functionsOf = (codes: Record<string, () => lambda.Code>) => {
    const stack = new Stack(new App({ context: CDK_JSON_CONTEXT }), 'Test');
    for (const [id, code] of Object.entries(codes)) {
      new lambda.Function(stack, id, {
        code: code(),
        handler: 'index.handler',
        runtime: lambda.Runtime.NODEJS_22_X,
      });
    }
    return Template.fromStack(stack);
  };

  it('bundles the same entry with and without the signer as two different assets', () => {
    const template = functionsOf({
      Iam: () => bridgeCode(FUNCTION_ENTRIES.sqs, true),
      Scram: () => bridgeCode(FUNCTION_ENTRIES.sqs, false),
    });
    const keys = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (fn) => fn.Properties.Code.S3Key,
    );
    expect(new Set(keys).size).toBe(2);
  });

  it('fails synthesis with esbuild’s message instead of falling back to Docker', async () => {
    const dir = await tempDir('bundle-broken-');
    const entry = join(dir, 'index.ts');
    await writeFile(entry, "export { handler } from 'no-such-package';\n");

    expect(() => functionsOf({ Broken: () => bridgeCode(entry, false) })).toThrow(
      /Failed to bundle asset .*esbuild could not bundle .*Could not resolve "no-such-package"/,
    );
    await rm(dir, { recursive: true, force: true });
  });
});

describe('MSK IAM signer as bundled', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    sessionToken: 'session',
  };

  /** lib/auth/msk-iam.ts's token provider from a function bundle built as deployed. */
  const deployedProvider = async (dir: string, withIamSigner: boolean) => {
    // Entry and bundle at the same depth, so the maps' relative sources resolve (as in functions/).
    const name = `provider-${withIamSigner}`;
    const entry = join(dir, 'src', name, 'index.mjs');
    await mkdir(dirname(entry), { recursive: true });
    await writeFile(entry, `export { mskIamTokenProvider } from ${JSON.stringify(MSK_IAM_MODULE)};\n`);
    const bundle = buildBridgeBundle({ entry, outdir: join(dir, 'out', name), withIamSigner });
    const module = (await import(pathToFileURL(bundle.entry).href)) as {
      mskIamTokenProvider: (region: string) => () => Promise<{ value: string }>;
    };
    return { bundle, provider: module.mskIamTokenProvider('eu-west-1') };
  };

  it('signs, from its code-split chunk with node:crypto SHA-256, the token the published signer signs', async () => {
    const dir = await projectTempDir('signer-');
    const { bundle, provider } = await deployedProvider(dir, true);
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs).toContain('cdk/bundling/sha256-node.ts');
    expect(inputs.filter((input) => input.includes('node_modules/@aws-crypto/sha256-js/'))).toEqual([]);
    // The signer as published, pure-JS SHA-256 and all.
    const entry = join(dir, 'signer-entry.mjs');
    await writeFile(entry, "export const loadSigner = () => import('aws-msk-iam-sasl-signer-js');\n");
    const original = join(dir, 'original.mjs');
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      outfile: original,
      logLevel: 'silent',
    });
    type Signer = { generateAuthTokenFromCredentialsProvider: (o: object) => Promise<{ token: string }> };
    const signer = await (
      (await import(pathToFileURL(original).href)) as { loadSigner: () => Promise<Signer> }
    ).loadSigner();
    vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', credentials.sessionToken);
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2025-01-02T03:04:05Z') });

    const { value } = await provider();
    const { token } = await signer.generateAuthTokenFromCredentialsProvider({
      region: 'eu-west-1',
      awsCredentialsProvider: async () => credentials,
    });

    expect(Buffer.from(token, 'base64url').toString()).toContain('X-Amz-Signature=');
    expect(value).toBe(token);
    await rm(dir, { recursive: true, force: true });
  });

  it('says, in a function bundled without it, that IAM needs an msk-* broker mode', async () => {
    const dir = await projectTempDir('signer-stub-');
    const { provider } = await deployedProvider(dir, false);

    await expect(provider()).rejects.toThrow(/bundled without the MSK IAM signer .* msk-\* broker mode/);
    await rm(dir, { recursive: true, force: true });
  });
});
