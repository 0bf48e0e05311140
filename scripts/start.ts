/**
 * `npm start`: the local system. For now: the seed's three-broker cluster on 127.0.0.1:9092-9094,
 * the kafka-go seed examples run through the Writer, then the cluster stays up for you to play
 * with until Ctrl-C (which stops it cleanly).
 */
import { LeastBytes, RequiredAcks, Writer } from '../lib/index.ts';
import { LocalKafkaCluster } from './kafka/broker.ts';

const cluster = await LocalKafkaCluster.start({ name: 'cluster' });
const { brokers } = cluster;
console.log(`Kafka is up: ${brokers.join(', ')} (SASL_SSL: ${cluster.saslSslBrokers.join(', ')})`);

const messages = [
  { key: 'Key-A', value: 'Hello World!' },
  { key: 'Key-B', value: 'One!' },
  { key: 'Key-C', value: 'Two!' },
];

// Seed example 1: LeastBytes, RequireAll, async; close() flushes.
const topicA = 'topic-A';
const first = new Writer({
  brokers,
  topic: topicA,
  balancer: new LeastBytes(),
  requiredAcks: RequiredAcks.All,
  async: true,
  allowAutoTopicCreation: true,
  completion: (batch, error) =>
    console.log(
      `  async batch of ${batch.length} to ${topicA}: ${error ? `failed: ${error.message}` : 'acknowledged'}`,
    ),
});
await first.writeMessages(messages);
await first.close();

// Seed example 2: a missing topic is created on the first write; no retry loop needed.
const created = new Writer({ brokers, topic: `auto-created-${Date.now()}`, allowAutoTopicCreation: true });
const landed = await created.writeMessages(messages);
await created.close();
console.log(
  `  auto-created ${landed[0]?.topic}: offsets ${landed.map((r) => `${r.partition}/${r.offset}`).join(', ')}`,
);

// Seed example 3: no Writer topic; each message names its own.
const multi = new Writer({ brokers, balancer: new LeastBytes(), allowAutoTopicCreation: true });
const spread = await multi.writeMessages(
  messages.map((m, i) => ({ ...m, topic: ['topic-A', 'topic-B', 'topic-C'][i] as string })),
);
await multi.close();
console.log(`  one call, three topics: ${spread.map((r) => r.topic).join(', ')}`);

console.log('\nWatch a topic:  kcat -C -b 127.0.0.1:9092 -t topic-A -f "%p/%o %k=%s\\n"');
console.log('Press Ctrl-C to stop Kafka.');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping Kafka...');
  await cluster.stop();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
