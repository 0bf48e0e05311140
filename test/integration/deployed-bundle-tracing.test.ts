import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BridgeBundle } from '../../cdk/bundling/bridge-bundling.ts';
import { buildDeployedSqs, invokeDeployed } from '../support/deployed-function.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { createTopic } from '../support/topics.ts';

const brokers = inject('kafkaBrokers');
const PROJECT_NODE_MODULES = resolve(import.meta.dirname, '../../node_modules');

/** Notes every module specifier naming OpenTelemetry that the process resolves (import or require). */
const RESOLVE_HOOK = `
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({
  resolve(specifier, context, next) {
    if (specifier.includes('opentelemetry')) appendFileSync(process.env.RESOLVED_FILE, specifier + '\\n');
    return next(specifier, context);
  },
});
`;

/**
 * What the ADOT layer's wrapper does before the handler loads: registers an SDK tracer provider
 * through @opentelemetry/api found on NODE_PATH (Lambda's /opt/nodejs/node_modules). Ended spans
 * are written to SPANS_FILE when the process exits.
 */
const ADOT_LIKE_PRELOAD = `
const { writeFileSync } = require('node:fs');
const api = require('@opentelemetry/api');
const sdk = require('@opentelemetry/sdk-trace-base');
const exporter = new sdk.InMemorySpanExporter();
api.trace.setGlobalTracerProvider(
  new sdk.BasicTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(exporter)] }),
);
process.on('exit', () => {
  const spans = exporter.getFinishedSpans().map((s) => ({ name: s.name, kind: s.kind, attributes: s.attributes }));
  writeFileSync(process.env.SPANS_FILE, JSON.stringify(spans));
});
`;

let dir: string;
let bundle: BridgeBundle;

beforeAll(async () => {
  // Outside the project: the bundle finds no node_modules of ours, as in Lambda without a layer.
  ({ dir, bundle } = await buildDeployedSqs('deployed-tracing-'));
  await writeFile(join(dir, 'resolve-hook.mjs'), RESOLVE_HOOK);
  await writeFile(join(dir, 'adot-like.cjs'), ADOT_LIKE_PRELOAD);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The OpenTelemetry specifiers one invocation of the deployed function resolved. */
async function resolvedBy(tracing: string): Promise<string[]> {
  const topic = await createTopic(brokers, { partitions: 1 });
  const resolvedFile = join(dir, `resolved-${tracing}.txt`);
  const { response } = await invokeDeployed(
    dir,
    bundle,
    brokers,
    sqsEvent([sqsRecord('a', { id: 'a' })]),
    { KAFKA_TOPIC: topic, KAFKA_TRACING: tracing, RESOLVED_FILE: resolvedFile },
    ['--import', join(dir, 'resolve-hook.mjs')],
  );
  expect(response.batchItemFailures).toEqual([]);
  return existsSync(resolvedFile) ? (await readFile(resolvedFile, 'utf8')).trim().split('\n') : [];
}

describe('tracing in the SQS function as deployed', () => {
  it('with KAFKA_TRACING=off, never asks for @opentelemetry/api', async () => {
    expect(await resolvedBy('off')).toEqual([]);
  });

  it('with KAFKA_TRACING=auto and no API installed, asks for it, finds none and writes untraced', async () => {
    // The control for the test above: the hook does see the lookup when one happens.
    expect(await resolvedBy('auto')).toContain('@opentelemetry/api');
  });

  it('with the API on NODE_PATH and a provider registered first (the ADOT layer’s way), records the send span', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const spansFile = join(dir, 'spans.json');

    const { response } = await invokeDeployed(
      dir,
      bundle,
      brokers,
      sqsEvent(['a', 'b'].map((id) => sqsRecord(id, { id }))),
      { KAFKA_TOPIC: topic, NODE_PATH: PROJECT_NODE_MODULES, SPANS_FILE: spansFile },
      ['--require', join(dir, 'adot-like.cjs')],
    );

    expect(response.batchItemFailures).toEqual([]);
    const spans = JSON.parse(await readFile(spansFile, 'utf8')) as Array<{
      name: string;
      attributes: Record<string, unknown>;
    }>;
    const send = spans.find((s) => s.name === `send ${topic}`);
    const records = await consumeWithKcat(brokers, topic, { count: 2 });
    expect(send?.attributes['messaging.batch.message_count']).toBe(2);
    expect(send?.attributes['messaging.kafka.offset']).toBe(records[0]?.offset);
    expect(spans.filter((s) => s.name === `create ${topic}`)).toHaveLength(2);
  });
});
