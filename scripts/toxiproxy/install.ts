import { join } from 'node:path';
import { goInstallOnce } from '../setup/go-install.ts';
import { CACHE_DIR, TOXIPROXY_VERSION } from './paths.ts';

/** Where the pinned toxiproxy-server binary lives once built. */
export const TOXIPROXY_SERVER_PATH = join(CACHE_DIR, `toxiproxy-server-${TOXIPROXY_VERSION}`);

/** Builds the pinned toxiproxy-server with `go install` (first call only) and returns its path. */
export const ensureToxiproxy = goInstallOnce({
  name: 'toxiproxy-server',
  module: 'github.com/Shopify/toxiproxy/v2/cmd/server',
  version: TOXIPROXY_VERSION,
  binary: TOXIPROXY_SERVER_PATH,
});
