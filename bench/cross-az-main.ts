/** `npm run bench:cross-az`: the cross-AZ profile of `npm run bench`, alone. */
import { readCrossAzSettings, runCrossAzProfile } from './cross-az.ts';
import { readSettings } from './settings.ts';

await runCrossAzProfile(readCrossAzSettings(process.env, readSettings().skip));
