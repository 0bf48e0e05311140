import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useApicurio } from '../support/apicurio.ts';

const apicurio = useApicurio();

const JSON_SCHEMA = JSON.stringify({
  type: 'object',
  properties: { id: { type: 'string' } },
  required: ['id'],
});

async function register(ccompatUrl: string, subject: string): Promise<number> {
  const response = await fetch(`${ccompatUrl}/subjects/${subject}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'JSON', schema: JSON_SCHEMA }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: number }).id;
}

describe('the local Apicurio Registry (test harness)', () => {
  it('answers the Confluent-compatible API: a registered schema is the latest version of its subject', async () => {
    const { ccompatUrl } = apicurio.registry();
    const id = await register(ccompatUrl, 'harness-value');
    const latest = await fetch(`${ccompatUrl}/subjects/harness-value/versions/latest`);
    expect(latest.status).toBe(200);
    expect(await latest.json()).toMatchObject({
      subject: 'harness-value',
      version: 1,
      id,
      schemaType: 'JSON',
    });
    const byId = (await (await fetch(`${ccompatUrl}/schemas/ids/${id}`)).json()) as { schema: string };
    expect(JSON.parse(byId.schema)).toEqual(JSON.parse(JSON_SCHEMA));
  });

  it('listens on 127.0.0.1 only, management interface included', async () => {
    const registry = apicurio.registry();
    const log = readFileSync(registry.logPath, 'utf8');
    expect(log).toContain(`Listening on: http://127.0.0.1:${registry.port}`);
    expect(log).toContain(`Management interface listening on http://127.0.0.1:${registry.managementPort}`);
    const health = await fetch(`http://127.0.0.1:${registry.managementPort}/health/ready`);
    expect(health.status).toBe(200);
  });

  it('can be taken down and brought back empty (in-memory storage)', async () => {
    const before = apicurio.registry();
    await apicurio.stop();
    await expect(fetch(`${before.ccompatUrl}/subjects`)).rejects.toThrow();
    const after = await apicurio.restart();
    const subjects = await (await fetch(`${after.ccompatUrl}/subjects`)).json();
    expect(subjects).toEqual([]);
  });
});
