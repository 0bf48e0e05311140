import { createSqsHandler } from '../../lib/lambda/sqs/handler.ts';

/** SQS -> Kafka. Settings: KAFKA_* and SQS_* environment variables (README). */
export const handler = createSqsHandler();
