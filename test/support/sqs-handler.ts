import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { createSqsHandler } from '../../lib/lambda/sqs/handler.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';

/** The SQS handler writing to `topic` on `brokers`, with its own WarmWriter to close after the test. */
export function sqsHandlerOn(brokers: string[], topic: string, extraEnv: Record<string, string> = {}) {
  const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic, ...extraEnv };
  const { config } = readKafkaConfig(env);
  const warmWriter = new WarmWriter({ config });
  return { handler: createSqsHandler({ env, warmWriter }), warmWriter };
}
