import { describeBrokerFaults, FULL } from '../support/faults/suites.ts';

// The full fault run of issue 5 (N = 100,000 per path): `npm run test:faults`.
describeBrokerFaults(FULL);
