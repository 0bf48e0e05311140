import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../lib/config/errors.ts';
import { clearContainerWarmWriter } from '../../../lib/lambda/container.ts';
import { apiEvent, bodyOf, lambdaContext } from './support.ts';

afterEach(async () => {
  vi.unstubAllEnvs();
  vi.resetModules();
  await clearContainerWarmWriter();
});

describe('functions/webhook', () => {
  it('builds the handler from the process environment at import (cold start)', async () => {
    vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:1');
    vi.stubEnv('WEBHOOK_TOPICS', 'orders');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const { handler } = await import('../../../functions/webhook/index.ts');
    const result = await handler(apiEvent({ topic: 'payments' }), lambdaContext());
    expect(result.statusCode).toBe(404);
    expect(bodyOf(result).title).toBe('Unknown webhook topic');
  });

  it('fails the cold start with one ConfigError naming every problem', async () => {
    vi.stubEnv('KAFKA_BROKERS', '');
    vi.stubEnv('WEBHOOK_SIGNATURE', 'stripe');
    const imported = import('../../../functions/webhook/index.ts');
    // A fresh module graph per import, so the class is matched by name.
    await expect(imported).rejects.toMatchObject({
      name: ConfigError.name,
      problems: [
        'KAFKA_BROKERS is required (comma-separated host:port list)',
        'WEBHOOK_SIGNATURE=stripe needs WEBHOOK_SECRET_ARN (or WEBHOOK_SECRET for local use)',
      ],
    });
  });
});
