import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Env } from '../config/env-reader.ts';
import { ConfigError } from '../config/errors.ts';
import { type KafkaConfig, readKafkaConfig } from '../config/kafka-config.ts';
import type { ValueSerializer } from '../schema/value-serializer.ts';
import { containerWarmWriter } from './container.ts';
import { createObservability, type Observability, writerLoggerFrom } from './observability.ts';
import type { WarmWriteOptions, WarmWriter } from './warm-writer.ts';

/** Options every handler factory takes. */
export interface HandlerOptions {
  /** Where the trigger's variables and `KAFKA_*` are read. @default process.env */
  env?: Env;
  /**
   * The Writer invocations write through. When given, `KAFKA_*` is not required.
   * @default the container's WarmWriter built from `KAFKA_*` (see containerWarmWriter)
   */
  warmWriter?: WarmWriter;
  /** @default createObservability(<the handler's service name>) (POWERTOOLS_SERVICE_NAME wins when set) */
  observability?: Observability;
  /**
   * Encodes every value this handler writes (schema validation and framing, or an encoding of
   * your own that follows the ValueSerializer contract), before the claim check. A value it
   * refuses with SchemaValidationError gets the trigger's answer for invalid input; a
   * SchemaRegistryError its answer for an unavailable dependency (see README, Schema registry).
   * @default the warm Writer's own: from `KAFKA_VALUE_FORMAT` / `SCHEMA_*`, none when `raw`
   */
  valueSerializer?: ValueSerializer;
}

/** What a handler factory builds once, at cold start, and its invocations share. */
export interface HandlerSetup<TriggerConfig> {
  /** The trigger's configuration (`SQS_*`, `WEBHOOK_*`, ...). */
  trigger: TriggerConfig;
  /** `KAFKA_*` as read (defaults filled in), also when a warmWriter was given. */
  kafka: KafkaConfig;
  observability: Observability;
  logger: Logger;
  metrics: Metrics;
  warmWriter: WarmWriter;
  /** Options every write of this handler passes to the warm Writer (the handler's serializer). */
  writeOptions: WarmWriteOptions;
}

/**
 * The cold-start part every handler factory shares: reads the trigger's configuration and
 * `KAFKA_*`, throws one ConfigError listing every problem of both (so a misconfigured function
 * fails its first invocation saying everything that is wrong, not one thing per deploy), then
 * builds the logger, metrics and the container's warm Writer.
 */
export function setUpHandler<TriggerConfig>(
  options: HandlerOptions,
  serviceName: string,
  readTriggerConfig: (env: Env) => { config: TriggerConfig; problems: string[] },
): HandlerSetup<TriggerConfig> {
  const env = options.env ?? process.env;
  const kafka = readKafkaConfig(env);
  const trigger = readTriggerConfig(env);
  const problems = [...(options.warmWriter ? [] : kafka.problems), ...trigger.problems];
  if (problems.length > 0) throw new ConfigError(problems);
  const observability = options.observability ?? createObservability(serviceName);
  const { logger, metrics } = observability;
  const warmWriter = options.warmWriter ?? containerWarmWriter(env, { logger: writerLoggerFrom(logger) });
  const writeOptions: WarmWriteOptions = options.valueSerializer
    ? { valueSerializer: options.valueSerializer }
    : {};
  return {
    trigger: trigger.config,
    kafka: kafka.config,
    observability,
    logger,
    metrics,
    warmWriter,
    writeOptions,
  };
}
