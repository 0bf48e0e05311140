import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';

/** A topic name no other test or run uses. */
export function uniqueTopic(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Creates a topic and waits until every partition has a leader the brokers agree on; returns its
 * name. kafkajs' own wait gives up on "does not host this topic-partition", which a freshly
 * started cluster answers for a moment, so the wait here polls metadata itself.
 */
export async function createTopic(
  brokers: string[],
  options: {
    topic?: string;
    partitions?: number;
    replicationFactor?: number;
    config?: Record<string, string>;
    /** Each partition's replicas, preferred leader first (numPartitions and replicationFactor then follow from it). */
    replicaAssignment?: number[][];
  } = {},
): Promise<string> {
  const topic = options.topic ?? uniqueTopic();
  const partitions = options.replicaAssignment?.length ?? options.partitions ?? 3;
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          ...(options.replicaAssignment
            ? {
                replicaAssignment: options.replicaAssignment.map((replicas, partition) => ({
                  partition,
                  replicas,
                })),
              }
            : {
                numPartitions: partitions,
                replicationFactor: options.replicationFactor ?? Math.min(3, brokers.length),
              }),
          configEntries: Object.entries(options.config ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
      waitForLeaders: false,
    });
    // Every broker must know the topic: metadata spreads to the brokers asynchronously, and a
    // client that asks one that has not heard yet is told the topic does not exist.
    for (const broker of brokers) await waitForLeaders(broker, topic, partitions);
  } finally {
    await admin.disconnect();
  }
  return topic;
}

async function waitForLeaders(broker: string, topic: string, partitions: number): Promise<void> {
  const admin = new Kafka({ brokers: [broker], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        const ready = topics[0]?.partitions ?? [];
        if (ready.length === partitions && ready.every((p) => p.leader >= 0 && p.partitionErrorCode === 0))
          return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) throw new Error(`topic ${topic} has no leaders on ${broker} after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
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

/**
 * createTopic, tolerating kafkajs' leader wait asking a broker that has not yet heard of the new
 * topic (UNKNOWN_TOPIC_OR_PARTITION, seen on a freshly started cluster): the topic was created, so
 * wait until its offsets can be read.
 */
export async function createSettledTopic(
  brokers: string[],
  options: Parameters<typeof createTopic>[1] & object,
): Promise<string> {
  const name = uniqueTopic();
  try {
    return await createTopic(brokers, { ...options, topic: name });
  } catch (error) {
    if (!String((error as Error).message).includes('does not host this topic-partition')) throw error;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await countRecords(brokers, name);
      return name;
    } catch (error) {
      if (attempt >= 40) throw error;
      await sleep(250);
    }
  }
}
