import * as api from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { FlushError } from '../../../../lib/index.ts';
import { openTelemetryInstrumentation } from '../../../../lib/tracing/opentelemetry.ts';
import { ERROR_CODES } from '../../../support/fake-broker/index.ts';
import { fakeCluster, fakeWriter } from '../../../support/fake-writer.ts';
import { spansNamed, useInMemoryTracing } from '../../../support/otel.ts';

const exporter = useInMemoryTracing();

describe('Writer spans when a split batch stops half way (fake broker)', () => {
  it('async: ends the call’s spans for the messages held back after the first half failed', async () => {
    const fake = await fakeCluster({ topics: { events: 1 } });
    // The whole batch is "too large", so the Writer splits it; the first half then fails for good
    // with an error that stops the partition, so the second half is never sent.
    fake.onProduce(({ count }) =>
      count > 1
        ? { rejectWith: 10 /* MESSAGE_TOO_LARGE */ }
        : { rejectWith: ERROR_CODES.NOT_ENOUGH_REPLICAS },
    );
    const writer = fakeWriter(fake, {
      topic: 'events',
      async: true,
      batchTimeoutMs: 600_000,
      maxAttempts: 1,
      instrumentation: openTelemetryInstrumentation(api),
    });

    await writer.writeMessages([
      { key: '0', value: 'first half' },
      { key: '0', value: 'second half' },
    ]);
    await expect(writer.flush()).rejects.toBeInstanceOf(FlushError);

    const [send] = spansNamed(exporter, 'send events');
    expect(send?.status.code).toBe(SpanStatusCode.ERROR);
    expect(send?.attributes['error.type']).toBe('NOT_ENOUGH_REPLICAS');
    const creates = spansNamed(exporter, 'create events');
    expect(creates.map((c) => c.attributes['error.type']).sort()).toEqual([
      'NOT_ENOUGH_REPLICAS',
      'WriterError',
    ]);
  });
});
