import { createEventBridgeHandler } from '../../lib/lambda/eventbridge/handler.ts';

/** EventBridge rule target -> Kafka. Settings: KAFKA_* and EVENTBRIDGE_* environment variables (README). */
export const handler = createEventBridgeHandler();
