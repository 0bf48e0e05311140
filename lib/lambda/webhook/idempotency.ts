/**
 * Deduplication of retried webhook deliveries (`WEBHOOK_IDEMPOTENCY_TABLE`), on Powertools'
 * Idempotency utility with its DynamoDB persistence layer.
 *
 * One delivery, one Kafka record: the first request with a key takes it in DynamoDB (a conditional
 * put of an INPROGRESS item, expiring with the invocation's remaining time so a crashed invocation
 * frees it), writes, and stores its records (COMPLETED, kept `ttlSeconds`). A retry within the
 * window is answered from the store and writes nothing; one while the first is in flight is a 409;
 * one with another body is a 422. A failed write deletes the INPROGRESS item, so the sender's retry
 * writes. Expiry is Powertools' own comparison in the conditional put (`expiration < now`), not
 * DynamoDB's TTL deletion, which may lag by days.
 *
 * Powertools and the DynamoDB client are imported on first use: a function without the table never
 * loads them (about 200 KB of SDK), and the bundle keeps them in chunks of their own.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { WebhookIdempotencyConfig } from '../../config/webhook-config.ts';
import { WebhookRejection, WebhookRequestError } from '../../mapping/webhook.ts';
import type { DeliveryIdentity } from '../../mapping/webhook-idempotency.ts';
import type { RecordMetadata } from '../../writer/writer.ts';

/** The deduplication store cannot be read or written; the request was not written (fail closed). */
export class IdempotencyStoreError extends Error {
  readonly retriable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdempotencyStoreError';
  }
}

/** What a deduplicated write answers. */
export interface IdempotentOutcome {
  records: RecordMetadata[];
  /** The records come from the store: an earlier request wrote them, this one wrote nothing. */
  replayed: boolean;
  /**
   * The write succeeded but its answer could not be stored (the key stays INPROGRESS until the
   * invocation's time is up). The records are still acknowledged: Kafka has them.
   */
  unsavedBecause?: unknown;
}

/** The payload Powertools hashes: `key` is the idempotency key, `body` the validated payload. */
interface IdempotencyPayload {
  key: DeliveryIdentity;
  body: string;
}

type Powertools = typeof import('@aws-lambda-powertools/idempotency');
type PersistenceLayer = import('@aws-lambda-powertools/idempotency/dynamodb').DynamoDBPersistenceLayer;

/** Options of WebhookIdempotency. */
export interface WebhookIdempotencyOptions extends WebhookIdempotencyConfig {
  /** @default a DynamoDBClient configured by the environment (region, AWS_ENDPOINT_URL) */
  client?: DynamoDBClient;
}

/** Item attribute names, which the CDK construct's table (partition key, TTL) must match. */
export const IDEMPOTENCY_TABLE_ATTRIBUTES = { partitionKey: 'id', ttl: 'expiration' } as const;

/**
 * The webhook's deduplication store: one per handler, shared by its invocations. Each call of
 * `write` is one delivery.
 */
export class WebhookIdempotency {
  private loaded: Promise<{ powertools: Powertools; store: PersistenceLayer }> | undefined;

  constructor(private readonly options: WebhookIdempotencyOptions) {}

  /**
   * Runs `write` at most once per delivery within the window and returns its records, or the
   * records an earlier request with the same identity and body stored. Throws a 409 or 422
   * WebhookRequestError, an IdempotencyStoreError (503), or what `write` threw.
   */
  async write(
    identity: DeliveryIdentity,
    bodyDigest: string,
    context: Context,
    write: () => Promise<RecordMetadata[]>,
  ): Promise<IdempotentOutcome> {
    const { powertools, store } = await this.load();
    let written: RecordMetadata[] | undefined;
    let writeFailure: { error: unknown } | undefined;
    const once = powertools.makeIdempotent(
      async (_payload: IdempotencyPayload, _context: Context): Promise<RecordMetadata[]> => {
        try {
          written = (await write()).map(({ topic, partition, offset }) => ({ topic, partition, offset }));
          return written;
        } catch (error) {
          writeFailure = { error };
          throw error;
        }
      },
      {
        persistenceStore: store,
        keyPrefix: 'webhook',
        // One config per invocation: the INPROGRESS expiry is this invocation's remaining time.
        config: new powertools.IdempotencyConfig({
          eventKeyJmesPath: 'key',
          payloadValidationJmesPath: 'body',
          throwOnNoIdempotencyKey: true,
          expiresAfterSeconds: this.options.ttlSeconds,
          hashFunction: 'sha256',
          lambdaContext: context,
        }),
      },
    );
    try {
      const records = await once({ key: identity, body: bodyDigest }, context);
      return { records, replayed: written === undefined };
    } catch (error) {
      // Kafka acknowledged; only storing the answer failed. Answering 503 would make the sender
      // retry a write that happened, so the records are the answer.
      if (written !== undefined) return { records: written, replayed: false, unsavedBecause: error };
      // The write's own failure decides the answer, even when releasing the key failed too.
      if (writeFailure !== undefined) throw writeFailure.error;
      throw translate(error, powertools);
    }
  }

  private load(): Promise<{ powertools: Powertools; store: PersistenceLayer }> {
    this.loaded ??= (async () => {
      const [powertools, { DynamoDBPersistenceLayer }] = await Promise.all([
        import('@aws-lambda-powertools/idempotency'),
        import('@aws-lambda-powertools/idempotency/dynamodb'),
      ]);
      const store = new DynamoDBPersistenceLayer({
        tableName: this.options.table,
        keyAttr: IDEMPOTENCY_TABLE_ATTRIBUTES.partitionKey,
        expiryAttr: IDEMPOTENCY_TABLE_ATTRIBUTES.ttl,
        ...(this.options.client ? { awsSdkV3Client: this.options.client } : {}),
      });
      return { powertools, store };
    })();
    // A failed import is not cached: the next delivery tries again.
    this.loaded.catch(() => {
      this.loaded = undefined;
    });
    return this.loaded;
  }
}

/** Powertools' errors -> the webhook's: a 409, a 422, or the store unavailable (503). */
function translate(error: unknown, powertools: Powertools): unknown {
  if (error instanceof powertools.IdempotencyAlreadyInProgressError) {
    return new WebhookRequestError(
      WebhookRejection.RequestInProgress,
      'a request with this delivery id is being written; retry shortly for its answer',
      { cause: error },
    );
  }
  if (error instanceof powertools.IdempotencyValidationError) {
    return new WebhookRequestError(
      WebhookRejection.IdempotencyKeyReused,
      'this delivery id was used before with a different body; nothing was written',
      { cause: error },
    );
  }
  // The first request released the key between our put and our read: its write failed, so a
  // retry will write.
  if (error instanceof powertools.IdempotencyItemNotFoundError) {
    return new WebhookRequestError(
      WebhookRejection.RequestInProgress,
      'a request with this delivery id has just failed; retry to write it',
      { cause: error },
    );
  }
  return new IdempotencyStoreError(
    'the deduplication store (DynamoDB) could not be used; nothing was written, retry later',
    { cause: error },
  );
}
