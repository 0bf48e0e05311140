import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { writerLoggerFrom } from '../../../lib/lambda/observability.ts';

describe('writerLoggerFrom', () => {
  it("leaves out fields named like Powertools' own keys, so Powertools logs no reserved-key WARN", () => {
    const logger = new Logger({ serviceName: 'writer-logger-test', logLevel: 'DEBUG' });
    const warn = vi.spyOn(logger, 'warn');
    const debug = vi.spyOn(logger, 'debug').mockImplementation(() => undefined);

    writerLoggerFrom(logger).debug('kafkajs Connection: Connection error', {
      timestamp: '2024-01-01T00:00:00.000Z',
      level: 'ERROR',
      message: 'x',
      service: 'kafkajs',
      sampling_rate: 1,
      broker: '127.0.0.1:1',
    });

    expect(debug).toHaveBeenCalledWith('kafkajs Connection: Connection error', { broker: '127.0.0.1:1' });
    expect(warn).not.toHaveBeenCalled();
  });
});
