import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const THIS_FILE = fileURLToPath(import.meta.url);

/**
 * The root the handlers and the constructs share: the project in this repo, `dist/` in the
 * installed package, whose build mirrors lib/, functions/ and cdk/ (tsconfig.build.json).
 */
export const PROJECT_ROOT = join(dirname(THIS_FILE), '..');

/**
 * `.ts` when the constructs run from this repo's sources, `.js` from the installed package: the
 * handlers and the bundling stubs sit beside them in the same form.
 */
export const SOURCE_EXTENSION = extname(THIS_FILE);

/**
 * The deployable handlers, by path only: the CDK app imports nothing from lib/ or functions/, so
 * synthesizing never loads kafkajs or the AWS SDK and the handlers' code reaches AWS only through
 * esbuild.
 */
export const FUNCTION_ENTRIES = {
  webhook: join(PROJECT_ROOT, 'functions', 'webhook', `index${SOURCE_EXTENSION}`),
  sqs: join(PROJECT_ROOT, 'functions', 'sqs', `index${SOURCE_EXTENSION}`),
  eventbridge: join(PROJECT_ROOT, 'functions', 'eventbridge', `index${SOURCE_EXTENSION}`),
  scheduled: join(PROJECT_ROOT, 'functions', 'scheduled', `index${SOURCE_EXTENSION}`),
} as const;
