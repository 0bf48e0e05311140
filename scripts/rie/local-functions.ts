import { join } from 'node:path';
import { buildBridgeBundle } from '../../cdk/bundling/bridge-bundling.ts';
import { MALLOC_ENVIRONMENT } from '../../cdk/constructs/runtime-environment.ts';
import { FUNCTION_ENTRIES } from '../../cdk/paths.ts';
import { FUNCTION_MEMORY_MB, FUNCTION_TIMEOUT_SECONDS } from '../../cdk/triggers/trigger-props.ts';
import { PROJECT_ROOT } from '../kafka/paths.ts';
import { LambdaEmulator } from './emulator.ts';

type FunctionName = keyof typeof FUNCTION_ENTRIES;

/** Where `npm start` writes the bundles (git-ignored). */
export const LOCAL_FUNCTIONS_DIR = join(PROJECT_ROOT, '.cache', 'local-functions');

/**
 * Lines of an emulator worth showing in a terminal: not the per-invocation START/END/REPORT, nor
 * the CloudWatch EMF metric documents Powertools prints on every invocation.
 */
const QUIET = /^((START|END|REPORT) RequestId:|\{"_aws":)/;

/** The four functions under their emulators, for `npm start`. */
export interface LocalFunctions extends Readonly<Record<FunctionName, LambdaEmulator>> {
  stop(): Promise<void>;
}

/**
 * Builds the four deployment bundles (the CDK's `buildBridgeBundle`) and starts one Runtime
 * Interface Emulator per function with `common` plus its own environment, so what runs locally is
 * what deploys. Each emulator's lines are printed with the function's name.
 */
export async function startLocalFunctions(
  environment: { common: Record<string, string> } & Record<FunctionName, Record<string, string>>,
  ports: Partial<Record<FunctionName, number>> = {},
): Promise<LocalFunctions> {
  const started: Partial<Record<FunctionName, LambdaEmulator>> = {};
  try {
    for (const name of Object.keys(FUNCTION_ENTRIES) as FunctionName[]) {
      const codeDir = join(LOCAL_FUNCTIONS_DIR, name);
      buildBridgeBundle({ entry: FUNCTION_ENTRIES[name], outdir: codeDir, withIamSigner: false });
      started[name] = await LambdaEmulator.start({
        name,
        codeDir,
        timeoutSeconds: FUNCTION_TIMEOUT_SECONDS[name],
        memoryMb: FUNCTION_MEMORY_MB[name],
        ...(ports[name] ? { port: ports[name] } : {}),
        environment: {
          NODE_OPTIONS: '--enable-source-maps',
          ...MALLOC_ENVIRONMENT,
          ...environment.common,
          ...environment[name],
        },
        onLine: (line) => {
          if (line.trim() !== '' && !QUIET.test(line)) console.log(`[${name}] ${line}`);
        },
      });
    }
  } catch (error) {
    await Promise.allSettled(Object.values(started).map((e) => e.stop()));
    throw error;
  }
  const emulators = started as Record<FunctionName, LambdaEmulator>;
  return {
    ...emulators,
    stop: async () => {
      await Promise.allSettled(Object.values(emulators).map((e) => e.stop()));
    },
  };
}
