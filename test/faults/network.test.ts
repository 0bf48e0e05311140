import { describeNetworkFaults } from '../support/faults/network-suite.ts';
import { FULL } from '../support/faults/suites.ts';

// Issue 9's network faults at full size: N = 100,000 per path (docs/FAULTS.md).
describeNetworkFaults(FULL);
