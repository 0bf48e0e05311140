import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root, from this file's place in cdk/. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The deployable handlers, by path only: the CDK app imports nothing from lib/ or functions/, so
 * synthesizing never loads kafkajs or the AWS SDK and the handlers' code reaches AWS only through
 * esbuild.
 */
export const FUNCTION_ENTRIES = {
  webhook: join(PROJECT_ROOT, 'functions', 'webhook', 'index.ts'),
  sqs: join(PROJECT_ROOT, 'functions', 'sqs', 'index.ts'),
  eventbridge: join(PROJECT_ROOT, 'functions', 'eventbridge', 'index.ts'),
  scheduled: join(PROJECT_ROOT, 'functions', 'scheduled', 'index.ts'),
} as const;
