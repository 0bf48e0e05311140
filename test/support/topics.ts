import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/** A topic name no other test or run uses. */
export function uniqueTopic(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Creates a topic and waits for its leaders; returns its name. */
export async function createTopic(
  brokers: string[],
  options: {
    topic?: string;
    partitions?: number;
    replicationFactor?: number;
    config?: Record<string, string>;
  } = {},
): Promise<string> {
  const topic = options.topic ?? uniqueTopic();
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: options.partitions ?? 3,
          replicationFactor: options.replicationFactor ?? Math.min(3, brokers.length),
          configEntries: Object.entries(options.config ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/** Whether a topic exists, from the cluster's own metadata. */
export async function topicExists(brokers: string[], topic: string): Promise<boolean> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

/** Total records in a topic (sum of high watermarks), read from the brokers. */
export async function countRecords(brokers: string[], topic: string): Promise<number> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}
