import { describeIdleAndWebhookFaults, REDUCED } from '../support/faults/suites.ts';

// Issue 5's idle-connection scenario and webhook fuzz, reduced to fit CI (N = 5,000, 1,000
// requests); `npm run test:faults` runs them with N = 100,000 and 10,000 requests (docs/FAULTS.md).
describeIdleAndWebhookFaults(REDUCED);
