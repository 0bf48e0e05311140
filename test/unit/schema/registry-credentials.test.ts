import { describe, expect, it } from 'vitest';
import { SecretError } from '../../../lib/auth/errors.ts';
import { parseRegistryCredentials, RegistrySecret } from '../../../lib/auth/registry-credentials.ts';
import { SecretCache } from '../../../lib/auth/secrets.ts';

describe('parseRegistryCredentials', () => {
  it('reads basic credentials (Confluent Cloud: API key and secret)', () => {
    expect(parseRegistryCredentials('arn:s', '{"username":"KEY","password":"SECRET"}')).toEqual({
      kind: 'basic',
      username: 'KEY',
      password: 'SECRET',
    });
  });

  it('reads a bearer token', () => {
    expect(parseRegistryCredentials('arn:s', '{"token":"eyJ.x.y"}')).toEqual({
      kind: 'bearer',
      token: 'eyJ.x.y',
    });
  });

  it.each([
    ['not JSON', 'hunter2'],
    ['a password without a username', '{"password":"hunter2"}'],
    ['an empty password', '{"username":"u","password":""}'],
    ['an empty token', '{"token":""}'],
    ['a token and a password', '{"token":"t","username":"u","password":"hunter2"}'],
    ['JSON null', 'null'],
  ])('refuses %s without echoing it', (_, text) => {
    let error: unknown;
    try {
      parseRegistryCredentials('arn:s', text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SecretError);
    expect((error as SecretError).retriable).toBe(false);
    expect((error as SecretError).message).toContain('arn:s');
    expect((error as SecretError).message).not.toContain('hunter2');
  });
});

describe('RegistrySecret', () => {
  it('reads the secret once, and again only after refresh (a 401: rotated)', async () => {
    const values = ['{"username":"u","password":"old"}', '{"username":"u","password":"new"}'];
    let fetches = 0;
    const secrets = new SecretCache(async () => values[fetches++] as string);
    const secret = new RegistrySecret('arn:s', secrets);
    expect(await secret.get()).toMatchObject({ password: 'old' });
    expect(await secret.get()).toMatchObject({ password: 'old' });
    expect(fetches).toBe(1);
    secret.refresh();
    expect(await secret.get()).toMatchObject({ password: 'new' });
    expect(fetches).toBe(2);
  });
});
