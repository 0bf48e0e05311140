import { createRequire } from 'node:module';
import type { KafkaTracingMode } from '../config/kafka-config.ts';
import type { OpenTelemetryApi } from '../tracing/opentelemetry.ts';
import type { WriterInstrumentation } from '../writer/instrumentation.ts';

/**
 * The Writer's OpenTelemetry instrumentation when tracing is on and `@opentelemetry/api` loads;
 * undefined otherwise. Never throws: a missing or broken API means tracing off. With `off`
 * nothing is imported at all.
 */
export async function loadWriterTracing(mode: KafkaTracingMode): Promise<WriterInstrumentation | undefined> {
  if (mode === 'off') return undefined;
  const api = await importOpenTelemetryApi();
  if (!api) return undefined;
  const { openTelemetryInstrumentation } = await import('../tracing/opentelemetry.ts');
  return openTelemetryInstrumentation(api);
}

async function importOpenTelemetryApi(): Promise<OpenTelemetryApi | undefined> {
  try {
    // A literal, so bundlers see it; cdk/bundling keeps it external (an ADOT layer or the app provides it).
    return await import('@opentelemetry/api');
  } catch {
    // ES modules ignore NODE_PATH, which is where Lambda puts a layer's packages
    // (/opt/nodejs/node_modules, e.g. the ADOT layer's); require() honours it.
    try {
      return createRequire(import.meta.url)('@opentelemetry/api') as OpenTelemetryApi;
    } catch {
      return undefined;
    }
  }
}
