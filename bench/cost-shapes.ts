/**
 * The four trigger workloads of `npm run bench:cost` over one connection (PLAINTEXT or TLS +
 * SCRAM): each trigger's deployable handler, and the naive handler doing the same writes.
 */
import { Kafka, type KafkaConfig, logLevel, Partitioners } from 'kafkajs';
import { createEventBridgeHandler } from '../lib/lambda/eventbridge/handler.ts';
import { createScheduledHandler } from '../lib/lambda/scheduled/handler.ts';
import { createLambdaContext } from '../scripts/local/lambda-context.ts';
import {
  benchSqsHandler,
  benchWebhookHandler,
  discardingObservability,
  invokeSqs,
  orderCreatedEvent,
  sqsRecords,
  webhookEvents,
} from './lambda-paths.ts';
import { keyOf } from './workload.ts';

const TIMEOUT_MS = 30_000;
/** Messages in one scheduled invocation's input. */
export const SCHEDULED_MESSAGES = 100;

export type Trigger = 'webhook' | 'sqs' | 'eventbridge' | 'scheduled';

/** How both handlers reach the brokers. */
export interface CostConnection {
  id: 'plaintext' | 'tls-scram';
  label: string;
  brokers: string[];
  /** `KAFKA_*` variables beyond KAFKA_BROKERS that a deployed function carries for it. */
  env: Record<string, string>;
  /** The same settings for a kafkajs client. */
  kafkajs: Pick<KafkaConfig, 'ssl' | 'sasl'>;
}

/** A trigger's two handlers, each able to run invocation `i` of the workload. */
export interface Shape {
  trigger: Trigger;
  eventsPerInvocation: number;
  describe: string;
  ours: (i: number) => Promise<unknown>;
  naive: (i: number) => Promise<unknown>;
}

/**
 * Builds the four shapes over `connection`, with a topic of their own each. The handlers share
 * the container's warm Writer, built from the first one's `KAFKA_*`: clear it
 * (clearContainerWarmWriter) before building the shapes of another connection.
 */
export async function costShapes(options: {
  connection: CostConnection;
  createTopic: (name: string) => Promise<string>;
  invocations: number;
  valueBytes: number;
}): Promise<Shape[]> {
  const { connection, invocations, valueBytes } = options;
  const env = { KAFKA_BROKERS: connection.brokers.join(','), ...connection.env };
  const value = Buffer.alloc(valueBytes, 'x');
  const context = () => createLambdaContext({ functionName: 'bench-cost', timeoutMs: TIMEOUT_MS });

  /** What many Lambda samples do: a new kafkajs producer per invocation, acks=all. */
  const naiveSend = async (target: string, messages: Array<{ key: string; value: Buffer }>) => {
    const producer = new Kafka({
      brokers: connection.brokers,
      logLevel: logLevel.NOTHING,
      ...connection.kafkajs,
    }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: target, acks: -1, messages });
    await producer.disconnect();
  };
  const messagesFor = (i: number, count: number) =>
    Array.from({ length: count }, (_, n) => ({ key: keyOf(i * count + n), value }));

  const webhookTopic = await options.createTopic('webhook');
  const webhook = benchWebhookHandler(connection.brokers, webhookTopic, connection.env);
  const webhookRequests = webhookEvents(webhookTopic, invocations + 1, valueBytes);

  const sqsTopic = await options.createTopic('sqs');
  const sqs = benchSqsHandler(connection.brokers, sqsTopic, connection.env);

  const eventBridgeTopic = await options.createTopic('eventbridge');
  const eventBridge = createEventBridgeHandler({
    env: { ...env, KAFKA_TOPIC: eventBridgeTopic, EVENTBRIDGE_KEY: 'json:/id' },
    observability: discardingObservability('bench-eventbridge'),
  });
  const bridgeEvent = (i: number) =>
    orderCreatedEvent({ orderId: keyOf(i), pad: 'x'.repeat(Math.max(0, valueBytes - 200)) });

  const scheduledTopic = await options.createTopic('scheduled');
  const scheduled = createScheduledHandler({
    env: { ...env, KAFKA_TOPIC: scheduledTopic, SCHEDULE_KEY: 'json:/id' },
    observability: discardingObservability('bench-scheduled'),
  });
  const scheduleInput = (i: number) => ({
    messages: Array.from({ length: SCHEDULED_MESSAGES }, (_, n) => ({
      value: { id: keyOf(i * SCHEDULED_MESSAGES + n), pad: value.toString('latin1') },
    })),
  });

  return [
    {
      trigger: 'webhook',
      eventsPerInvocation: 1,
      describe: `one signed ${valueBytes} B request`,
      ours: async (i) => {
        const answer = (await webhook(webhookRequests[i] as never, context())) as { statusCode: number };
        if (answer.statusCode !== 200) throw new Error(`webhook answered ${answer.statusCode}`);
      },
      naive: (i) => naiveSend(webhookTopic, messagesFor(i, 1)),
    },
    {
      trigger: 'sqs',
      eventsPerInvocation: 10,
      describe: `batches of 10 records of ${valueBytes} B (SqsToKafka's batch size)`,
      ours: (i) => invokeSqs(sqs, { Records: sqsRecords(10, valueBytes, i * 10) }),
      naive: (i) => naiveSend(sqsTopic, messagesFor(i, 10)),
    },
    {
      trigger: 'eventbridge',
      eventsPerInvocation: 1,
      describe: 'one event',
      ours: (i) => eventBridge(bridgeEvent(i), context()),
      naive: (i) => naiveSend(eventBridgeTopic, messagesFor(i, 1)),
    },
    {
      trigger: 'scheduled',
      eventsPerInvocation: SCHEDULED_MESSAGES,
      describe: `${SCHEDULED_MESSAGES} messages in the schedule's input`,
      ours: (i) => scheduled(scheduleInput(i) as never, context()),
      naive: (i) => naiveSend(scheduledTopic, messagesFor(i, SCHEDULED_MESSAGES)),
    },
  ];
}
