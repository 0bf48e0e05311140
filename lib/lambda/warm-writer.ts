import type { Context } from 'aws-lambda';
import { resolveConnection } from '../auth/connection.ts';
import { type SecretCache, secretCache } from '../auth/secrets.ts';
import { balancerByName } from '../balancers/balancer-by-name.ts';
import type { KafkaConfig } from '../config/kafka-config.ts';
import type { SchemaValidationError, ValueSerializer } from '../schema/value-serializer.ts';
import type { WriterLogger } from '../writer/connection-options.ts';
import { AuthenticationError, WriteErrors } from '../writer/errors.ts';
import type { WriterInstrumentation } from '../writer/instrumentation.ts';
import type { Message } from '../writer/message.ts';
import type { WriterOptions } from '../writer/options.ts';
import { type RecordMetadata, Writer } from '../writer/writer.ts';
import { writeWithClaimCheck } from './claim-check.ts';
import { type S3Api, sdkS3Api } from './s3-api.ts';
import { findInvalidValues, writeWithSchema } from './schema-encoding.ts';
import { loadWriterTracing } from './writer-tracing.ts';

/** The part of a Lambda context the bridge uses. */
export type InvocationContext = Pick<Context, 'getRemainingTimeInMillis'>;

export interface WarmWriterOptions {
  config: KafkaConfig;
  secrets?: SecretCache;
  logger?: WriterLogger;
  /** Builds the Writer; tests pass one that counts or wraps. */
  createWriter?: (options: WriterOptions) => Writer;
  /** Where claim-checked values are stored (`config.claimCheck`). @default the container's S3 client */
  s3?: () => S3Api;
  /**
   * Traces the Writer's writes.
   * @default OpenTelemetry spans when `config.tracing` is `auto` and `@opentelemetry/api` loads
   */
  instrumentation?: WriterInstrumentation;
  /**
   * Encodes every message's value before it is written (and before the claim check, which then
   * stores the encoded bytes): schema validation and registry framing, or any encoding of your
   * own that follows the ValueSerializer contract.
   * @default built from `config.schema` (`KAFKA_VALUE_FORMAT`, `SCHEMA_*`) on the first write,
   * loading lib/schema only then; none (values written as they are) when the format is `raw`
   */
  valueSerializer?: ValueSerializer;
}

/** Per-write options a handler passes through to the Writer (see WriteOptions). */
export interface WarmWriteOptions {
  stopPartitionOnFailure?: boolean;
  /**
   * The messages are one ordered sequence: after a message that fails before reaching the Writer
   * (its value could not be encoded or stored), none of the later ones is written. Implied by
   * `stopPartitionOnFailure`.
   */
  keepOrder?: boolean;
  /** Encodes this call's values instead of the WarmWriter's own serializer (see WarmWriterOptions). */
  valueSerializer?: ValueSerializer;
}

/**
 * One Writer per Lambda container, kept connected across warm invocations. Created lazily on the
 * first write (the connect promise is cached, and dropped if connecting fails so the next
 * invocation retries); rebuilt when its credentials change (a rotated secret); every write is
 * bounded by the invocation's remaining time.
 */
export class WarmWriter {
  private current: { writer: Writer; ready: Promise<Writer> } | undefined;
  private building: Promise<Writer> | undefined;
  /** Writers created so far: tests prove reuse by counting them. */
  writersCreated = 0;
  private readonly secrets: SecretCache;
  /** Started at cold start, so loading the tracing API overlaps the init phase. */
  private readonly instrumentation: Promise<WriterInstrumentation | undefined>;
  /** The value serializer being built from `config.schema`; dropped if building it failed. */
  private serializer: Promise<ValueSerializer> | undefined;

  constructor(private readonly options: WarmWriterOptions) {
    this.secrets = options.secrets ?? secretCache;
    this.instrumentation = options.instrumentation
      ? Promise.resolve(options.instrumentation)
      : loadWriterTracing(options.config.tracing);
  }

  get config(): KafkaConfig {
    return this.options.config;
  }

  /** The connected Writer for this container. */
  acquire(): Promise<Writer> {
    if (this.current) return this.current.ready;
    this.building ??= this.build().finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  /**
   * Writes messages within the invocation's time, keeping `deadlineMarginMs` for the handler to
   * answer. Stages before the Writer, each failing only its own messages (index-aligned in the
   * call's WriteErrors, with the later messages of a failed one's topic held back so its partition
   * keeps its order; every later message with `keepOrder`):
   * 1. with a value serializer (`config.schema` or `valueSerializer`), each value is validated and
   *    encoded: SchemaValidationError when it does not fit, SchemaRegistryError when the schema
   *    could not be fetched (see schema-encoding.ts);
   * 2. with `config.claimCheck`, values over its threshold are stored in S3 and the records carry
   *    their references: ClaimCheckError when S3 did not take one.
   * After an authentication failure the secret is fetched again and the write retried once with
   * the new credentials: that is how a rotated password is picked up.
   */
  async write(
    messages: readonly Message[],
    context: InvocationContext,
    options: WarmWriteOptions = {},
  ): Promise<RecordMetadata[]> {
    const keepOrder = options.keepOrder === true || options.stopPartitionOnFailure === true;
    const serializer = options.valueSerializer ?? (await this.valueSerializer());
    const toKafka = (ready: readonly Message[]) => this.writeClaimChecked(ready, context, options, keepOrder);
    if (serializer === undefined) return await toKafka(messages);
    return await writeWithSchema(messages, serializer, toKafka, {
      signal: this.budgetSignal(context),
      keepOrder,
    });
  }

  /** The claim check's part of write(), then Kafka. */
  private async writeClaimChecked(
    messages: readonly Message[],
    context: InvocationContext,
    options: WarmWriteOptions,
    keepOrder: boolean,
  ): Promise<RecordMetadata[]> {
    const claimCheck = this.options.config.claimCheck;
    if (claimCheck === undefined) return await this.writeToKafka(messages, context, options);
    return await writeWithClaimCheck(
      messages,
      claimCheck,
      (ready) => this.writeToKafka(ready, context, options),
      { s3: (this.options.s3 ?? sdkS3Api)(), signal: this.budgetSignal(context), keepOrder },
    );
  }

  /**
   * The serializer values are encoded with; undefined when values are written as they are. Built
   * from `config.schema` on first use (lib/schema is imported only then, so a function without a
   * schema never loads it); a failed build is not kept, so the next write tries again.
   */
  valueSerializer(): Promise<ValueSerializer | undefined> {
    if (this.options.valueSerializer) return Promise.resolve(this.options.valueSerializer);
    const schema = this.options.config.schema;
    if (schema === undefined) return Promise.resolve(undefined);
    if (this.serializer === undefined) {
      const building = import('./schema-serializer.ts').then((m) =>
        m.createConfiguredSerializer(schema, { secrets: this.secrets }),
      );
      this.serializer = building;
      building.catch(() => {
        if (this.serializer === building) this.serializer = undefined;
      });
    }
    return this.serializer;
  }

  /**
   * The messages whose values the serializer refuses, writing nothing; [] when values are written
   * as they are. Rejects when the registry cannot answer. For sources rejected whole when any
   * value is invalid (a schedule's input).
   */
  async invalidValues(
    messages: readonly Message[],
    context: InvocationContext,
    options: Pick<WarmWriteOptions, 'valueSerializer'> = {},
  ): Promise<Array<{ index: number; error: SchemaValidationError }>> {
    const serializer = options.valueSerializer ?? (await this.valueSerializer());
    if (serializer === undefined) return [];
    return await findInvalidValues(messages, serializer, this.budgetSignal(context));
  }

  /** Aborts when the invocation's write budget is used up: bounds S3 and registry calls. */
  private budgetSignal(context: InvocationContext): AbortSignal {
    return AbortSignal.timeout(Math.max(1, this.budgetMs(context)));
  }

  /** The Kafka part of write(), with the retry after a rotated secret. */
  private async writeToKafka(
    messages: readonly Message[],
    context: InvocationContext,
    options: WarmWriteOptions,
  ): Promise<RecordMetadata[]> {
    try {
      return await this.writeOnce(messages, context, options);
    } catch (error) {
      if (!isAuthenticationFailure(error) || !this.refreshCredentials()) throw error;
      // The broker's own words (never the credentials): kafkajs' lines are only at DEBUG.
      this.options.logger?.warn('kafka authentication failed; fetching the secret again', {
        error: error instanceof Error ? error.message : String(error),
      });
      if (!(error instanceof WriteErrors)) return await this.writeOnce(messages, context, options);
      return await this.rewriteFailed(messages, error, context, options);
    }
  }

  /** Milliseconds a write may take in this invocation. */
  budgetMs(context: InvocationContext): number {
    return Math.max(0, context.getRemainingTimeInMillis() - this.options.config.deadlineMarginMs);
  }

  /** Closes the Writer (SIGTERM, tests), flushing what it holds within `timeoutMs`. */
  async close(timeoutMs = 2000): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (current) await current.writer.close({ timeoutMs }).catch(() => undefined);
  }

  /** Writes again only the messages that failed, and answers for the whole call, index-aligned. */
  private async rewriteFailed(
    messages: readonly Message[],
    failure: WriteErrors,
    context: InvocationContext,
    options: WarmWriteOptions,
  ): Promise<RecordMetadata[]> {
    const failed = failure.errors.flatMap((e, i) => (e ? [i] : []));
    const records = [...failure.records] as RecordMetadata[];
    try {
      const retried = await this.writeOnce(
        failed.map((i) => messages[i] as Message),
        context,
        options,
      );
      failed.forEach((original, j) => {
        records[original] = retried[j] as RecordMetadata;
      });
      return records;
    } catch (error) {
      if (!(error instanceof WriteErrors)) throw error;
      const errors: Array<Error | undefined> = failure.errors.map(() => undefined);
      failed.forEach((original, j) => {
        errors[original] = error.errors[j];
      });
      const landed = [...failure.records];
      failed.forEach((original, j) => {
        landed[original] = error.records[j];
      });
      throw new WriteErrors(errors, landed);
    }
  }

  private async writeOnce(
    messages: readonly Message[],
    context: InvocationContext,
    options: WarmWriteOptions,
  ): Promise<RecordMetadata[]> {
    const writer = await this.acquire();
    const records = await writer.writeMessages(messages, {
      timeoutMs: this.budgetMs(context),
      ...(options.stopPartitionOnFailure ? { stopPartitionOnFailure: true } : {}),
    });
    // An async Writer must not leave messages in a container that is about to be frozen.
    await writer.flush({ timeoutMs: this.budgetMs(context) });
    return records;
  }

  /** Drops the cached secret and the Writer built from it; false when there is nothing to refresh. */
  private refreshCredentials(): boolean {
    const { auth } = this.options.config;
    if (auth.mode === 'none' || auth.mode === 'aws-iam' || !auth.secretArn) return false;
    this.secrets.refresh(auth.secretArn);
    const stale = this.current;
    this.current = undefined;
    void stale?.writer.close({ timeoutMs: 1000 }).catch(() => undefined);
    return true;
  }

  private async build(): Promise<Writer> {
    const { config, logger } = this.options;
    const connection = await resolveConnection(config, this.secrets);
    const instrumentation = await this.instrumentation;
    const writerOptions: WriterOptions = {
      ...writerOptionsFrom(config),
      ssl: connection.ssl,
      sasl: connection.sasl,
      ...(logger ? { logger } : {}),
      ...(instrumentation ? { instrumentation } : {}),
    };
    const writer = (this.options.createWriter ?? ((o) => new Writer(o)))(writerOptions);
    this.writersCreated++;
    const ready = writer.connect({ timeoutMs: config.connectTimeoutMs }).then(() => writer);
    const entry = { writer, ready };
    this.current = entry;
    try {
      return await ready;
    } catch (error) {
      // Drop the failed Writer so the next invocation connects afresh.
      if (this.current === entry) this.current = undefined;
      void writer.close({ timeoutMs: 100 }).catch(() => undefined);
      throw error;
    }
  }
}

/**
 * The Writer options a KafkaConfig (the functions' environment) gives, before the connection's
 * TLS and SASL, the logger and tracing are added: what every Lambda handler's Writer runs with.
 */
export function writerOptionsFrom(config: KafkaConfig): WriterOptions {
  return {
    brokers: config.brokers,
    clientId: config.clientId,
    balancer: balancerByName(config.balancer),
    requiredAcks: config.requiredAcks,
    compression: config.compression,
    allowAutoTopicCreation: config.allowAutoTopicCreation,
    idempotent: config.idempotent,
    batchSize: config.batchSize,
    batchBytes: config.batchBytes,
    maxAttempts: config.maxAttempts,
    writeTimeoutMs: config.writeTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
  };
}

/** The broker rejected our credentials, for the whole call or for some of its messages. */
function isAuthenticationFailure(error: unknown): boolean {
  if (error instanceof AuthenticationError) return true;
  return error instanceof WriteErrors && error.errors.some((e) => e instanceof AuthenticationError);
}
