import { Duration } from 'aws-cdk-lib';
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
}

/**
 * Webhook ingestion: an HTTP API (`POST /webhooks/{topic}`, throttled, access-logged) in front of
 * the webhook function, with its signing secret.
 */
export class WebhookToKafka extends Construct {
  readonly function: BridgeFunction;
  readonly api: WebhookApi;
  /** The signing secret, unless the signature is 'none'. */
  readonly signingSecret: WebhookSigningSecret | undefined;

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
    const secret =
      signature === 'none'
        ? undefined
        : new WebhookSigningSecret(this, 'Secret', { secretArn: props.secretArn });
    this.signingSecret = secret;

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
      },
      ...(secret ? { secrets: [{ secret: secret.secret, key: secret.key }] } : {}),
    });
    this.api = new WebhookApi(this, 'Api', {
      function: this.function.function,
      signatureVerified: signature !== 'none',
    });
  }
}
