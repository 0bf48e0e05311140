import { join } from 'node:path';
import { PROJECT_ROOT } from '../kafka/paths.ts';

/** Git-ignored home of the Toxiproxy build, and of each server's log and pid file. */
export const CACHE_DIR = join(PROJECT_ROOT, '.cache', 'toxiproxy');

/**
 * The toxiproxy-server release built from source. v2.5.0 is the newest one the module proxy
 * here serves (`go list -m -versions github.com/Shopify/toxiproxy/v2` lists v2.3.0 and v2.5.0).
 */
export const TOXIPROXY_VERSION = 'v2.5.0';
