import { join } from 'node:path';
import { PROJECT_ROOT } from '../kafka/paths.ts';
import { goInstallOnce } from '../setup/go-install.ts';

/**
 * The AWS Lambda Runtime Interface Emulator, built from source: the module has no tagged release
 * the module proxy here serves (v1.23.0 is refused), so a pseudo-version of its main branch is
 * pinned (2026-10-30).
 */
export const RIE_VERSION = 'v0.0.0-20261030222936-bef5c4ba774d';

/** Where the pinned aws-lambda-rie binary lives once built (git-ignored). */
export const RIE_PATH = join(PROJECT_ROOT, '.cache', 'rie', `aws-lambda-rie-${RIE_VERSION}`);

/** Builds aws-lambda-rie with `go install` (first call only) and returns its path. */
export const ensureRie = goInstallOnce({
  name: 'aws-lambda-rie',
  module: 'github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie',
  version: RIE_VERSION,
  binary: RIE_PATH,
});
