import { createScheduledHandler } from '../../lib/lambda/scheduled/handler.ts';

/** EventBridge Scheduler / cron rule -> Kafka. Settings: KAFKA_* and SCHEDULE_* environment variables (README). */
export const handler = createScheduledHandler();
