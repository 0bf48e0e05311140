import type { Env } from '../config/env-reader.ts';
import { ConfigError } from '../config/errors.ts';
import { readKafkaConfig } from '../config/kafka-config.ts';
import type { WriterLogger } from '../writer/connection-options.ts';
import { closeOnSigterm } from './shutdown.ts';
import { WarmWriter } from './warm-writer.ts';

let container: WarmWriter | undefined;

/**
 * The container's one WarmWriter, built from the `KAFKA_*` variables on first use and then shared
 * by every handler the container loads (a deployed function has one trigger; `npm start` and tests
 * load several). Throws a ConfigError listing every `KAFKA_*` problem. Closed on SIGTERM.
 */
export function containerWarmWriter(
  env: Env = process.env,
  options: { logger?: WriterLogger } = {},
): WarmWriter {
  if (container) return container;
  const { config, problems } = readKafkaConfig(env);
  if (problems.length > 0) throw new ConfigError(problems);
  container = new WarmWriter({ config, ...(options.logger ? { logger: options.logger } : {}) });
  closeOnSigterm(container);
  return container;
}

/** Closes and forgets the container's WarmWriter (tests); the next call builds a new one. */
export async function clearContainerWarmWriter(): Promise<void> {
  const current = container;
  container = undefined;
  await current?.close();
}
