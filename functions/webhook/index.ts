import { createWebhookHandler } from '../../lib/lambda/webhook/handler.ts';

/** API Gateway -> Kafka webhook (`POST /webhooks/{topic}`); configured by WEBHOOK_* and KAFKA_*. */
export const handler = createWebhookHandler();
