import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CACHE_DIR } from './paths.ts';

const run = promisify(execFile);

/** Password of the generated keystore: local test material, never a real secret. */
export const KEYSTORE_PASSWORD = 'local-test-only';

/** Where the broker's TLS material lives. */
export interface TlsMaterial {
  /** PKCS12 keystore with the broker's self-signed certificate and key. */
  keystorePath: string;
  /** The broker certificate as PEM: clients trust it as their CA. */
  caPemPath: string;
}

/**
 * Makes (once) a self-signed certificate for 127.0.0.1 and localhost with the JDK's keytool,
 * so the SASL_SSL listener is real TLS that clients verify against `caPemPath`.
 */
export async function ensureTlsMaterial(): Promise<TlsMaterial> {
  const dir = join(CACHE_DIR, 'tls');
  const keystorePath = join(dir, 'broker.p12');
  const caPemPath = join(dir, 'ca.pem');
  if (existsSync(keystorePath) && existsSync(caPemPath)) return { keystorePath, caPemPath };

  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const common = ['-storetype', 'PKCS12', '-keystore', keystorePath, '-storepass', KEYSTORE_PASSWORD];
  await run('keytool', [
    '-genkeypair',
    '-alias',
    'broker',
    '-keyalg',
    'RSA',
    '-keysize',
    '2048',
    '-validity',
    '3650',
    '-dname',
    'CN=localhost',
    '-ext',
    'SAN=ip:127.0.0.1,dns:localhost',
    '-ext',
    'BC:c=ca:true',
    ...common,
  ]);
  await run('keytool', ['-exportcert', '-rfc', '-alias', 'broker', '-file', caPemPath, ...common]);
  return { keystorePath, caPemPath };
}
