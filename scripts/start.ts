/**
 * `npm start`: the whole system on this machine. A real three-broker Kafka (127.0.0.1:9092-9094),
 * moto for SQS/S3/Secrets Manager, and the functions as deployed — the bundles the CDK uploads,
 * each run by its own Lambda Runtime Interface Emulator with aws-lambda-ric — wired to local
 * stand-ins for their triggers: an HTTP API in front of the webhook function, a queue (with a
 * DLQ) polled into the SQS function, and a schedule ticking the scheduled function over an S3
 * prefix of NDJSON objects; the EventBridge function takes events on its emulator's invoke URL.
 * Prints where to send events and how to watch topics; Ctrl-C stops everything.
 * `npm start -- --schema-registry` also starts Apicurio Registry (Confluent-compatible API).
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Kafka, logLevel } from 'kafkajs';
import { LocalApicurio } from './apicurio/server.ts';
import { LocalKafkaCluster } from './kafka/broker.ts';
import { LocalHttpGateway } from './local/http-gateway.ts';
import { SqsPoller } from './local/sqs-poller.ts';
import { createQueueWithDlq } from './moto/queues.ts';
import { awsEnvFor, LocalMoto } from './moto/server.ts';
import { startLocalFunctions } from './rie/local-functions.ts';

const PORTS = { http: 3000, eventbridge: 3001, moto: 5000, schemaRegistry: 8081 };
const WITH_SCHEMA_REGISTRY = process.argv.includes('--schema-registry');
const TOPICS = {
  webhooks: 'webhooks',
  orders: 'orders',
  sqs: 'sqs-bridge',
  events: 'events',
  scheduled: 'scheduled',
};
const SCHEDULE_EVERY_MS = 30_000;
const WEBHOOK_SECRET = 'local-webhook-secret';

console.log(`Starting Kafka (3 brokers), moto${WITH_SCHEMA_REGISTRY ? ' and Apicurio Registry' : ''}...`);
const [cluster, moto, schemaRegistry] = await Promise.all([
  LocalKafkaCluster.start({ name: 'cluster' }),
  LocalMoto.start({ port: PORTS.moto }),
  WITH_SCHEMA_REGISTRY ? LocalApicurio.start({ port: PORTS.schemaRegistry }) : undefined,
]);
Object.assign(process.env, awsEnvFor(moto.endpoint));

const brokers = cluster.brokers.join(',');
const admin = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING }).admin();
await admin.connect();
await admin.createTopics({
  topics: Object.values(TOPICS).map((topic) => ({ topic, numPartitions: 3, replicationFactor: 3 })),
  waitForLeaders: true,
});
await admin.disconnect();

const sqs = new SQSClient({});
const { queueUrl } = await createQueueWithDlq(sqs, 'bridge-queue', {
  // Six times the SQS function's timeout (60 s), as AWS advises and the CDK queue has it.
  visibilityTimeoutSeconds: 360,
  maxReceiveCount: 3,
});

const s3 = new S3Client({});
await s3.send(new CreateBucketCommand({ Bucket: 'bridge-batches' }));
await s3.send(
  new PutObjectCommand({
    Bucket: 'bridge-batches',
    Key: 'incoming/welcome.ndjson',
    Body: `${Array.from({ length: 5 }, (_, i) => JSON.stringify({ id: `welcome-${i}`, text: 'hello from S3' })).join('\n')}\n`,
  }),
);

console.log('Building the functions and starting one Lambda Runtime Interface Emulator each...');
const functions = await startLocalFunctions(
  {
    common: { ...awsEnvFor(moto.endpoint), KAFKA_BROKERS: brokers, POWERTOOLS_LOG_LEVEL: 'WARN' },
    webhook: {
      WEBHOOK_TOPICS: `${TOPICS.webhooks},${TOPICS.orders}`,
      WEBHOOK_SIGNATURE: 'hmac-sha256',
      WEBHOOK_SECRET,
    },
    sqs: { KAFKA_TOPIC: TOPICS.sqs },
    eventbridge: { KAFKA_TOPIC: TOPICS.events },
    scheduled: { KAFKA_TOPIC: TOPICS.scheduled, SCHEDULE_SOURCE: 's3://bridge-batches/incoming/' },
  },
  { eventbridge: PORTS.eventbridge },
).catch(async (error: unknown) => {
  // Nothing is left running when a function cannot be built or started.
  await Promise.allSettled([cluster.stop(), moto.stop(), schemaRegistry?.stop()]);
  throw error;
});

const gateway = await LocalHttpGateway.start({ port: PORTS.http, handler: functions.webhook.handler() });
const poller = new SqsPoller({
  sqs,
  queueUrl,
  handler: functions.sqs.handler(),
  batchSize: 100,
  maxBatchingWindowMs: 1000,
  // The emulator ends the function at its own timeout first; this only bounds a hung emulator.
  functionTimeoutMs: 120_000,
  waitTimeSeconds: 5,
});
void poller.start();

async function tick(): Promise<void> {
  try {
    const summary = await functions.scheduled.handler<{ published: number }>()({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
    });
    if (summary.published > 0) console.log(`[schedule] published ${summary.published} messages`, summary);
  } catch (error) {
    console.error('[schedule] run failed (it will run again):', (error as Error).message);
  }
}
await tick();
const ticker = setInterval(() => void tick(), SCHEDULE_EVERY_MS);

const sign = `printf '%s' "$BODY" | openssl dgst -sha256 -hmac '${WEBHOOK_SECRET}' | sed 's/^.* //'`;
console.log(`
kafka-lambda-bridge is running locally.

  Kafka     ${brokers}  (SASL_SSL ${cluster.saslSslBrokers.join(',')})
  moto      ${moto.endpoint}  (SQS, S3, Secrets Manager; credentials "test"/"test", region us-east-1)
${schemaRegistryLine()}
Webhook (HTTP API v2 -> functions/webhook), topics ${TOPICS.webhooks} and ${TOPICS.orders}, HMAC-SHA256 signed:
  BODY='{"orderId":"o-1","total":42}'
  curl -s -X POST ${gateway.url}/webhooks/${TOPICS.orders} -H 'content-type: application/json' \\
    -H "x-signature: sha256=$(${sign})" -d "$BODY"

SQS (bridge-queue -> functions/sqs -> topic ${TOPICS.sqs}; failures return, then bridge-queue-dlq):
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url ${moto.endpoint} --region us-east-1 \\
    sqs send-message --queue-url ${queueUrl} --message-body '{"hello":"sqs"}'

Schedule (every ${SCHEDULE_EVERY_MS / 1000} s: NDJSON under s3://bridge-batches/incoming/ -> topic ${TOPICS.scheduled}):
  printf '{"id":"a"}\\n{"id":"b"}\\n' > batch.ndjson
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url ${moto.endpoint} --region us-east-1 \\
    s3 cp batch.ndjson s3://bridge-batches/incoming/batch.ndjson

EventBridge (functions/eventbridge -> topic ${TOPICS.events}), invoked as a rule target would:
  curl -s -X POST ${functions.eventbridge.invokeUrl} \\
    -d '{"version":"0","id":"e-1","detail-type":"OrderCreated","source":"shop","account":"123456789012","time":"2026-12-02T00:00:00Z","region":"us-east-1","resources":[],"detail":{"orderId":"o-1"}}'

Each function runs its deployed bundle under the Lambda Runtime Interface Emulator (.cache/local-functions/).

Watch a topic:
  kcat -C -b 127.0.0.1:9092 -t ${TOPICS.orders} -f '%t/%p@%o key=%k %s\\n'

Ctrl-C stops everything.`);

function schemaRegistryLine(): string {
  if (!schemaRegistry)
    return '  (npm start -- --schema-registry also starts Apicurio Registry, Confluent-compatible)\n';
  return `  registry  ${schemaRegistry.ccompatUrl}  (Apicurio Registry, Confluent-compatible; SCHEMA_REGISTRY_URL)\n`;
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping...');
  clearInterval(ticker);
  await Promise.allSettled([poller.stop(), gateway.stop()]);
  await functions.stop();
  await Promise.allSettled([cluster.stop(), moto.stop(), schemaRegistry?.stop()]);
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
