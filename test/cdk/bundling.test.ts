import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Sha256 as JsSha256 } from '@aws-crypto/sha256-js';
import { build } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bridgeBundling } from '../../cdk/bundling/bridge-bundling.ts';
import { Sha256 as NodeSha256 } from '../../cdk/bundling/sha256-node.ts';
import { projectTempDir } from './support.ts';

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

describe('MSK IAM signer as bundled', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Bundles the signer with the IAM functions' esbuild settings, with or without the alias. */
  const bundleSigner = async (dir: string, name: string, withNodeSha256: boolean): Promise<string> => {
    const options = bridgeBundling(true);
    const aliases = ((options.esbuildArgs?.['--alias'] ?? []) as string[]).map(
      (item) => item.split('=') as [string, string],
    );
    const entry = join(dir, `${name}-entry.mjs`);
    // Imported on demand, as lib/auth/msk-iam.ts does.
    await writeFile(entry, "export const loadSigner = () => import('aws-msk-iam-sasl-signer-js');\n");
    const outfile = join(dir, `${name}.mjs`);
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      banner: { js: options.banner ?? '' },
      alias: withNodeSha256
        ? Object.fromEntries(aliases.filter(([from]) => from === '@aws-crypto/sha256-js'))
        : {},
      outfile,
      logLevel: 'silent',
    });
    return outfile;
  };

  it('signs the same token with node:crypto as with the pure-JS SHA-256', async () => {
    const dir = await projectTempDir('signer-');
    const [original, aliased] = await Promise.all([
      bundleSigner(dir, 'original', false),
      bundleSigner(dir, 'aliased', true),
    ]);
    type Signer = { generateAuthTokenFromCredentialsProvider: (o: object) => Promise<{ token: string }> };
    const sign = async (file: string) => {
      const bundle = (await import(pathToFileURL(file).href)) as { loadSigner: () => Promise<Signer> };
      const signer = await bundle.loadSigner();
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2025-01-02T03:04:05Z') });
      const { token } = await signer.generateAuthTokenFromCredentialsProvider({
        region: 'eu-west-1',
        awsCredentialsProvider: async () => ({
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
          sessionToken: 'session',
        }),
      });
      vi.useRealTimers();
      return token;
    };
    // The pure-JS hash says this when updated after digesting; node:crypto has no such text.
    const pureJs = 'Attempted to update an already finished hash';
    expect(await readFile(original, 'utf8')).toContain(pureJs);
    expect(await readFile(aliased, 'utf8')).not.toContain(pureJs);
    const [expected, actual] = [await sign(original), await sign(aliased)];
    expect(Buffer.from(expected, 'base64url').toString()).toContain('X-Amz-Signature=');
    expect(actual).toBe(expected);
    await rm(dir, { recursive: true, force: true });
  });
});
