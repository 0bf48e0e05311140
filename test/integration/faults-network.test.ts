import { describeNetworkFaults } from '../support/faults/network-suite.ts';
import { REDUCED } from '../support/faults/suites.ts';

// Issue 9's network faults, reduced to fit CI (N = 5,000 per path); `npm run test:faults` runs
// the same scenarios with N = 100,000 (docs/FAULTS.md).
describeNetworkFaults(REDUCED);
