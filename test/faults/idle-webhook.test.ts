import { describeIdleAndWebhookFaults, FULL } from '../support/faults/suites.ts';

// The full fault run of issue 5 (N = 100,000; 10,000 webhook requests): `npm run test:faults`.
describeIdleAndWebhookFaults(FULL);
