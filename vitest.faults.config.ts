import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: issue 5's full fault run (N = 100,000 per path, 10,000 webhook requests),
 * too long for `npm test`, which runs the same suites reduced (test/integration/faults-*.test.ts).
 * Each file starts its own clusters, so there is no global setup.
 */
export default defineConfig({
  test: {
    name: 'faults',
    include: ['test/faults/**/*.test.ts'],
    // The files start clusters and freeze brokers: one at a time on 2 cores.
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 180_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
