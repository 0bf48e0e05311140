import { describeBrokerFaults, REDUCED } from '../support/faults/suites.ts';

// Issue 5's fault tests, reduced to fit CI (N = 5,000 per path); `npm run test:faults` runs the
// same scenarios with N = 100,000 (docs/FAULTS.md).
describeBrokerFaults(REDUCED);
