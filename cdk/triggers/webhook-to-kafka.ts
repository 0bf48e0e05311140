import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { BridgeFunction } from '../constructs/bridge-function.ts';
import { WebhookApi } from '../constructs/webhook-api.ts';
import { WebhookSigningSecret } from '../constructs/webhook-secret.ts';
import { FUNCTION_ENTRIES } from '../paths.ts';
import {
  FUNCTION_MEMORY_MB,
  FUNCTION_TIMEOUT_SECONDS,
  functionSettings,
  produceGrant,
  type TriggerToKafkaProps,
} from './trigger-props.ts';

/** `WEBHOOK_SIGNATURE` schemes. */
export type WebhookSignature = 'none' | 'standard-webhooks' | 'github' | 'stripe' | 'hmac-sha256';

/** Props of WebhookToKafka. */
export interface WebhookToKafkaProps extends TriggerToKafkaProps {
  /**
   * `WEBHOOK_TOPICS`: the topics `POST /webhooks/{topic}` may write to.
   * @default ['webhooks']
   */
  readonly topics?: readonly string[];
  /**
   * `WEBHOOK_SIGNATURE`.
   * @default 'hmac-sha256', with a generated key unless secretArn is given
   */
  readonly signature?: WebhookSignature;
  /** The signing secret. @default a generated secret for hmac-sha256; required for the other schemes */
  readonly secretArn?: string;
  /** `WEBHOOK_KEY`. @default the scheme's delivery id */
  readonly key?: string;
  /**
   * Deduplicate retried deliveries (`WEBHOOK_IDEMPOTENCY_TABLE`): creates an on-demand DynamoDB
   * table with TTL and lets the function read and write its items. `true` for the defaults.
   * @default false
   */
  readonly idempotency?: boolean | WebhookIdempotencyProps;
}

/** The deduplication table's settings. */
export interface WebhookIdempotencyProps {
  /**
   * `WEBHOOK_IDEMPOTENCY_TTL_SECONDS`: how long a delivery's answer is replayed to retries
   * (1 second to 30 days).
   * @default Duration.days(3)
   */
  readonly ttl?: Duration;
  /**
   * What happens to the table when it leaves the stack. Its items are answers to retries, kept
   * for the window only, so by default it goes with the stack.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Item attributes the function's deduplication uses (lib/lambda/webhook/idempotency.ts). */
const IDEMPOTENCY_PARTITION_KEY = 'id';
const IDEMPOTENCY_TTL_ATTRIBUTE = 'expiration';
/** The calls Powertools' DynamoDB persistence layer makes, and no other. */
const IDEMPOTENCY_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

/**
 * Webhook ingestion: an HTTP API (`POST /webhooks/{topic}`, throttled, access-logged) in front of
 * the webhook function, with its signing secret.
 */
export class WebhookToKafka extends Construct {
  readonly function: BridgeFunction;
  readonly api: WebhookApi;
  /** The signing secret, unless the signature is 'none'. */
  readonly signingSecret: WebhookSigningSecret | undefined;
  /** The deduplication table, when `idempotency` is on. */
  readonly idempotencyTable: dynamodb.Table | undefined;

  constructor(scope: Construct, id: string, props: WebhookToKafkaProps) {
    super(scope, id);
    const topics = props.topics ?? ['webhooks'];
    const signature = props.signature ?? 'hmac-sha256';
    if (signature === 'none' && props.secretArn) {
      throw new Error(`WebhookToKafka ${id}: secretArn is set but signature is none; choose the scheme`);
    }
    if (signature !== 'none' && signature !== 'hmac-sha256' && !props.secretArn) {
      throw new Error(
        `WebhookToKafka ${id}: signature ${signature} needs secretArn (the sender issues that key)`,
      );
    }
    if (topics.length === 0) {
      throw new Error(`WebhookToKafka ${id}: topics is empty; every webhook would be a 404`);
    }
    const idempotency = props.idempotency === true ? {} : props.idempotency || undefined;
    const ttlSeconds = idempotency?.ttl?.toSeconds({ integral: false });
    if (
      ttlSeconds !== undefined &&
      (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 30 * 24 * 3600)
    ) {
      throw new Error(`WebhookToKafka ${id}: idempotency.ttl must be whole seconds from 1 s to 30 days`);
    }
    const secret =
      signature === 'none'
        ? undefined
        : new WebhookSigningSecret(this, 'Secret', { secretArn: props.secretArn });
    this.signingSecret = secret;
    this.idempotencyTable = idempotency && this.createIdempotencyTable(idempotency);

    this.function = new BridgeFunction(this, 'Function', {
      ...functionSettings(props, FUNCTION_MEMORY_MB.webhook),
      entry: FUNCTION_ENTRIES.webhook,
      description: 'kafka-lambda-bridge: POST /webhooks/{topic} -> Kafka',
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.webhook),
      produce: produceGrant(props, topics),
      environment: {
        WEBHOOK_TOPICS: topics.join(','),
        WEBHOOK_SIGNATURE: signature,
        ...(secret ? { WEBHOOK_SECRET_ARN: secret.secret.secretArn } : {}),
        ...(props.key ? { WEBHOOK_KEY: props.key } : {}),
        ...(this.idempotencyTable ? { WEBHOOK_IDEMPOTENCY_TABLE: this.idempotencyTable.tableName } : {}),
        ...(ttlSeconds === undefined ? {} : { WEBHOOK_IDEMPOTENCY_TTL_SECONDS: String(ttlSeconds) }),
      },
      ...(secret ? { secrets: [{ secret: secret.secret, key: secret.key }] } : {}),
    });
    this.idempotencyTable?.grant(this.function.function, ...IDEMPOTENCY_ACTIONS);
    this.api = new WebhookApi(this, 'Api', {
      function: this.function.function,
      signatureVerified: signature !== 'none',
    });
  }

  /**
   * One item per delivery, a few hundred bytes, read and written once or twice: on demand costs
   * nothing while idle. DynamoDB's TTL only tidies up (it may lag by days); the function compares
   * the expiry itself.
   */
  private createIdempotencyTable(props: WebhookIdempotencyProps): dynamodb.Table {
    const table = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: IDEMPOTENCY_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: IDEMPOTENCY_TTL_ATTRIBUTE,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
      // Point-in-time recovery restores answers to retries long expired: nothing worth its price.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
    });
    Validations.of(table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'the table holds answers to webhook retries for the deduplication window only; a restore would bring back expired answers, and losing it only lets retries in the window write again',
    });
    return table;
  }
}
