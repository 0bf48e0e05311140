/**
 * One message per call, sequentially: what a webhook invocation costs. Raw kafkajs `send` (the
 * floor), the warm Writer, the deployable webhook handler, @platformatic/kafka, and the
 * anti-pattern many Lambda samples use: a new client connected and disconnected per invocation.
 */
import { compatibilityPartitioner, ProduceAcks, Producer } from '@platformatic/kafka';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { RequiredAcks, Writer } from '../lib/index.ts';
import { benchWebhookHandler, invokeWebhook, webhookEvents } from './lambda-paths.ts';
import { type LatencyRow, latencyRow } from './results.ts';
import { keyOf } from './workload.ts';

/** A SASL_SSL listener (TLS + SCRAM-SHA-512), as managed Kafka (MSK, Confluent) is reached. */
export interface SecureListener {
  brokers: string[];
  caPem: string;
  username: string;
  password: string;
}

/** What the one-message run needs. */
export interface InvocationOptions {
  brokers: string[];
  /** Adds the TLS + SCRAM rows: a connect there costs handshakes a loopback PLAINTEXT one does not. */
  secure?: SecureListener;
  topic: string;
  writes: number;
  coldInvocations: number;
  valueBytes: number;
  skip: ReadonlySet<string>;
}

type Sender = (i: number) => Promise<unknown>;

/** Runs every contender `writes` times, interleaved so drift hits all alike. */
export async function oneMessagePerCall(options: InvocationOptions): Promise<LatencyRow[]> {
  const { brokers, topic } = options;
  const value = Buffer.alloc(options.valueBytes, 'x');
  const message = (i: number) => ({ key: keyOf(i), value });

  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const writer = new Writer({ brokers, topic });
  await writer.connect();
  const webhook = benchWebhookHandler(brokers, topic);
  const events = webhookEvents(topic, options.writes, options.valueBytes);
  const platformatic = options.skip.has('platformatic')
    ? undefined
    : new Producer({
        clientId: 'bench-platformatic-single',
        bootstrapBrokers: brokers,
        acks: ProduceAcks.ALL,
        partitioner: compatibilityPartitioner,
      });

  const warm: Array<[id: string, name: string, send: Sender, note: string]> = [
    [
      'kafkajs-send',
      'kafkajs send (baseline)',
      (i) => producer.send({ topic, acks: RequiredAcks.All, messages: [message(i)] }),
      '',
    ],
    ['writer', 'Writer sync, warm', (i) => writer.writeMessages([message(i)]), ''],
    [
      'webhook-handler',
      'webhook handler, warm (signed request)',
      (i) => invokeWebhook(webhook, events[i] as (typeof events)[number]),
      'Standard Webhooks HMAC check, middy, Powertools',
    ],
  ];
  if (platformatic) {
    warm.push([
      'platformatic-send',
      '@platformatic/kafka send',
      (i) =>
        // acks on every send: 2.12.1 ignores the constructor's and writes non-idempotent sends at
        // acks=1 (see platformaticContender in clients.ts).
        platformatic.send({
          messages: [{ topic, key: Buffer.from(keyOf(i)), value }],
          acks: ProduceAcks.ALL,
        }) as Promise<unknown>,
      '',
    ]);
  }
  const secure = options.secure;
  const secureConnection = secure
    ? {
        ssl: { ca: [secure.caPem] },
        sasl: { mechanism: 'scram-sha-512' as const, username: secure.username, password: secure.password },
      }
    : undefined;
  let secureWriter: Writer | undefined;
  if (secure && secureConnection) {
    secureWriter = new Writer({ brokers: secure.brokers, topic, ...secureConnection });
    await secureWriter.connect();
    const writerTls = secureWriter;
    warm.push([
      'writer-tls',
      'Writer sync, warm, TLS + SCRAM-SHA-512',
      (i) => writerTls.writeMessages([message(i)]),
      '',
    ]);
  }
  const samples = new Map(warm.map(([id]) => [id, [] as number[]]));
  // One untimed call each: connections, metadata, the webhook's cold-start work.
  for (const [, , send] of warm) await send(0);
  for (let i = 0; i < options.writes; i++) {
    for (const [id, , send] of warm) {
      const start = performance.now();
      await send(i);
      samples.get(id)?.push(performance.now() - start);
    }
  }
  await Promise.all([producer.disconnect(), writer.close(), platformatic?.close(), secureWriter?.close()]);

  // The anti-pattern: everything a per-invocation client does, every invocation.
  const cold: Array<[id: string, name: string, send: Sender, note: string]> = [
    [
      'connect-per-invocation',
      'connect-per-invocation: new kafkajs producer + connect + send + disconnect',
      async (i) => {
        const perCall = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer({
          createPartitioner: Partitioners.DefaultPartitioner,
        });
        await perCall.connect();
        await perCall.send({ topic, acks: RequiredAcks.All, messages: [message(i)] });
        await perCall.disconnect();
      },
      'the anti-pattern',
    ],
    [
      'writer-per-invocation',
      'connect-per-invocation: new Writer + connect + write + close',
      async (i) => {
        const perCall = new Writer({ brokers, topic });
        await perCall.connect();
        await perCall.writeMessages([message(i)]);
        await perCall.close();
      },
      'same anti-pattern with our Writer',
    ],
  ];
  if (secure && secureConnection) {
    cold.push([
      'connect-per-invocation-tls',
      'connect-per-invocation, TLS + SCRAM-SHA-512: new kafkajs producer + connect + send + disconnect',
      async (i) => {
        const perCall = new Kafka({
          brokers: secure.brokers,
          logLevel: logLevel.NOTHING,
          ...secureConnection,
        }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
        await perCall.connect();
        await perCall.send({ topic, acks: RequiredAcks.All, messages: [message(i)] });
        await perCall.disconnect();
      },
      'the anti-pattern as deployed against MSK/Confluent',
    ]);
  }
  for (const [id] of cold) samples.set(id, []);
  for (let i = 0; i < options.coldInvocations; i++) {
    for (const [id, , send] of cold) {
      const start = performance.now();
      await send(i);
      samples.get(id)?.push(performance.now() - start);
    }
  }

  const rows: LatencyRow[] = [];
  let baseline: number | undefined;
  for (const [id, name, , note] of [...warm, ...cold]) {
    const row = latencyRow(id, name, samples.get(id) ?? [], baseline, note);
    baseline ??= row.meanMs;
    rows.push(row);
  }
  return rows;
}
