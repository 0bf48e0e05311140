/**
 * `npm run bench:cost`: what a million events cost per trigger, from durations measured on the
 * cross-AZ cluster (bench/cross-az-cluster.ts: three brokers, +1 ms each way, RF 3, min ISR 2) and
 * the memory each function deploys with, at Lambda's published Arm price; next to a naive handler
 * (a kafkajs producer connected, used and disconnected in every invocation, as many samples do).
 *
 * Lambda gives a function CPU in proportion to its memory (one vCPU at 1,769 MB), so a duration
 * measured here on a full core is not what a 128 MB function bills: each invocation's CPU time is
 * measured too and stretched by 1769 / memory (network waits are not), then rounded up to the
 * millisecond as Lambda bills. Warm invocations only: cold starts are `npm run bench:cold-start`.
 * A benchmark, not a test: nothing asserts a timing.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { FUNCTION_MEMORY_MB } from '../cdk/triggers/trigger-props.ts';
import { clearContainerWarmWriter } from '../lib/lambda/container.ts';
import { createEventBridgeHandler } from '../lib/lambda/eventbridge/handler.ts';
import { createScheduledHandler } from '../lib/lambda/scheduled/handler.ts';
import { PROJECT_ROOT } from '../scripts/kafka/paths.ts';
import { createLambdaContext } from '../scripts/local/lambda-context.ts';
import { barChart, KIND_COLORS } from './chart.ts';
import { startCrossAzCluster } from './cross-az-cluster.ts';
import {
  benchSqsHandler,
  benchWebhookHandler,
  discardingObservability,
  invokeSqs,
  orderCreatedEvent,
  sqsRecords,
  webhookEvents,
} from './lambda-paths.ts';
import { median, table } from './measure.ts';
import { round } from './results.ts';
import { keyOf } from './workload.ts';

/** AWS Lambda, Arm, us-east-1, first pricing tier (aws.amazon.com/lambda/pricing). */
export const LAMBDA_ARM_PRICE = { perGbSecond: 0.0000133334, perMillionRequests: 0.2 } as const;
/** Memory at which a function has the equivalent of one full vCPU (Lambda's documentation). */
const FULL_VCPU_MB = 1769;
const MEMORY_CHOICES = [128, 256, 512, 1024] as const;
const BASE_PORT = 31092;
const TIMEOUT_MS = 30_000;
const BLOCK = 20;

type Trigger = 'webhook' | 'sqs' | 'eventbridge' | 'scheduled';

/** One invocation, measured: wall time and the process's CPU time during it. */
interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** A trigger's two handlers, each able to run invocation `i` of the workload. */
interface Shape {
  trigger: Trigger;
  eventsPerInvocation: number;
  describe: string;
  ours: (i: number) => Promise<unknown>;
  naive: (i: number) => Promise<unknown>;
}

/** Billed milliseconds of one invocation at `memoryMb`: CPU stretched by the CPU share, rounded up. */
export function billedMs(sample: Sample, memoryMb: number): number {
  const stretch = Math.max(1, FULL_VCPU_MB / memoryMb);
  const waitMs = Math.max(0, sample.wallMs - sample.cpuMs);
  return Math.ceil(waitMs + sample.cpuMs * stretch);
}

/** Dollars per million events at `memoryMb`, from the median billed duration. */
export function costPerMillionEvents(
  samples: readonly Sample[],
  memoryMb: number,
  eventsPerInvocation: number,
) {
  const billed = median(samples.map((s) => billedMs(s, memoryMb)));
  const invocations = 1e6 / eventsPerInvocation;
  const compute = invocations * (billed / 1000) * (memoryMb / 1024) * LAMBDA_ARM_PRICE.perGbSecond;
  const requests = (invocations / 1e6) * LAMBDA_ARM_PRICE.perMillionRequests;
  return { billedMs: billed, dollars: compute + requests, computeDollars: compute };
}

const settings = {
  invocations: Number(process.env.BENCH_COST_INVOCATIONS ?? 200),
  latencyMs: Number(process.env.BENCH_XAZ_LATENCY_MS ?? 1),
  valueBytes: Number(process.env.BENCH_VALUE_BYTES ?? 1024),
  scheduledMessages: 100,
};
const loadBefore = loadavg();
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(
  `Cost per million events: ${settings.invocations} warm invocations per handler on 3 brokers +${settings.latencyMs} ms each way (RF 3, min ISR 2, acks=all), values of ${settings.valueBytes} B; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
);
const xaz = await startCrossAzCluster({
  name: 'bench-cost',
  basePort: BASE_PORT,
  latencyMs: settings.latencyMs,
});
try {
  const { brokers } = xaz;
  const run = `cost-${Date.now()}`;
  const topic = (name: string) => xaz.createTopic(`${run}-${name}`, 6);
  const value = Buffer.alloc(settings.valueBytes, 'x');
  const context = () => createLambdaContext({ functionName: 'bench-cost', timeoutMs: TIMEOUT_MS });

  /** What many Lambda samples do: a new kafkajs producer per invocation, acks=all. */
  const naiveSend = async (target: string, messages: Array<{ key: string; value: Buffer }>) => {
    const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    await producer.send({ topic: target, acks: -1, messages });
    await producer.disconnect();
  };
  const messagesFor = (i: number, count: number) =>
    Array.from({ length: count }, (_, n) => ({ key: keyOf(i * count + n), value }));

  const webhookTopic = await topic('webhook');
  const webhook = benchWebhookHandler(brokers, webhookTopic);
  const webhookRequests = webhookEvents(webhookTopic, settings.invocations + 1, settings.valueBytes);

  const sqsTopic = await topic('sqs');
  const sqs = benchSqsHandler(brokers, sqsTopic);

  const eventBridgeTopic = await topic('eventbridge');
  const eventBridge = createEventBridgeHandler({
    env: { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: eventBridgeTopic, EVENTBRIDGE_KEY: 'json:/id' },
    observability: discardingObservability('bench-eventbridge'),
  });
  const bridgeEvent = (i: number) =>
    orderCreatedEvent({ orderId: keyOf(i), pad: 'x'.repeat(Math.max(0, settings.valueBytes - 200)) });

  const scheduledTopic = await topic('scheduled');
  const scheduled = createScheduledHandler({
    env: { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: scheduledTopic, SCHEDULE_KEY: 'json:/id' },
    observability: discardingObservability('bench-scheduled'),
  });
  const scheduleInput = (i: number) => ({
    messages: Array.from({ length: settings.scheduledMessages }, (_, n) => ({
      value: { id: keyOf(i * settings.scheduledMessages + n), pad: value.toString('latin1') },
    })),
  });

  const shapes: Shape[] = [
    {
      trigger: 'webhook',
      eventsPerInvocation: 1,
      describe: `one signed ${settings.valueBytes} B request`,
      ours: async (i) => {
        const answer = (await webhook(webhookRequests[i] as never, context())) as { statusCode: number };
        if (answer.statusCode !== 200) throw new Error(`webhook answered ${answer.statusCode}`);
      },
      naive: (i) => naiveSend(webhookTopic, messagesFor(i, 1)),
    },
    {
      trigger: 'sqs',
      eventsPerInvocation: 10,
      describe: `batches of 10 records of ${settings.valueBytes} B (SqsToKafka's batch size)`,
      ours: (i) => invokeSqs(sqs, { Records: sqsRecords(10, settings.valueBytes, i * 10) }),
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
      eventsPerInvocation: settings.scheduledMessages,
      describe: `${settings.scheduledMessages} messages in the schedule's input`,
      ours: (i) => scheduled(scheduleInput(i) as never, context()),
      naive: (i) => naiveSend(scheduledTopic, messagesFor(i, settings.scheduledMessages)),
    },
  ];

  const rows = [];
  for (const shape of shapes) {
    console.log(`Running ${shape.trigger}: ours and naive, alternating blocks of ${BLOCK}...`);
    const samples = { ours: [] as Sample[], naive: [] as Sample[] };
    // One untimed invocation each: connections, metadata, lazily loaded chunks.
    await shape.ours(settings.invocations);
    await shape.naive(settings.invocations);
    // Blocks of 20 alternate (drift hits both alike); a pause after each block lets a naive
    // client's socket closes and timers finish outside the next block's CPU count.
    for (let i = 0; i < settings.invocations; i += BLOCK) {
      for (const [kind, invoke] of [
        ['ours', shape.ours],
        ['naive', shape.naive],
      ] as const) {
        for (let j = i; j < Math.min(i + BLOCK, settings.invocations); j++) {
          samples[kind].push(await measure(() => invoke(j)));
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const oursMemory = FUNCTION_MEMORY_MB[shape.trigger];
    const ours = costPerMillionEvents(samples.ours, oursMemory, shape.eventsPerInvocation);
    // The naive handler gets the memory at which it is cheapest: the comparison favours it.
    const naive = MEMORY_CHOICES.map((memoryMb) => ({
      memoryMb,
      ...costPerMillionEvents(samples.naive, memoryMb, shape.eventsPerInvocation),
    })).reduce((best, c) => (c.dollars < best.dollars ? c : best));
    rows.push({
      trigger: shape.trigger,
      workload: shape.describe,
      eventsPerInvocation: shape.eventsPerInvocation,
      ours: {
        memoryMb: oursMemory,
        wallMsP50: round(median(samples.ours.map((s) => s.wallMs)), 2),
        cpuMsP50: round(median(samples.ours.map((s) => s.cpuMs)), 2),
        billedMs: ours.billedMs,
        dollarsPerMillionEvents: round(ours.dollars, 4),
        computeDollarsPerMillionEvents: round(ours.computeDollars, 4),
      },
      naive: {
        memoryMb: naive.memoryMb,
        wallMsP50: round(median(samples.naive.map((s) => s.wallMs)), 2),
        cpuMsP50: round(median(samples.naive.map((s) => s.cpuMs)), 2),
        billedMs: naive.billedMs,
        dollarsPerMillionEvents: round(naive.dollars, 4),
        computeDollarsPerMillionEvents: round(naive.computeDollars, 4),
      },
      naiveOverOurs: round(naive.dollars / ours.dollars, 2),
      // Requests cost the same $0.20 per million invocations either way; compute is what differs.
      naiveOverOursCompute: round(naive.computeDollars / ours.computeDollars, 2),
    });
  }
  const loadAfter = loadavg();

  console.log(
    `\n${table(
      rows.map((r) => ({
        trigger: r.trigger,
        'events/inv': r.eventsPerInvocation,
        'ours MB': r.ours.memoryMb,
        'ours wall/cpu ms': `${r.ours.wallMsP50} / ${r.ours.cpuMsP50}`,
        'ours billed ms': r.ours.billedMs,
        'ours $/M events': r.ours.dollarsPerMillionEvents.toFixed(4),
        'naive MB': r.naive.memoryMb,
        'naive wall/cpu ms': `${r.naive.wallMsP50} / ${r.naive.cpuMsP50}`,
        'naive billed ms': r.naive.billedMs,
        'naive $/M events': r.naive.dollarsPerMillionEvents.toFixed(4),
        'naive / ours': `${r.naiveOverOurs}x (compute ${r.naiveOverOursCompute}x)`,
      })),
    )}`,
  );
  console.log(
    `\nArm $${LAMBDA_ARM_PRICE.perGbSecond}/GB-s + $${LAMBDA_ARM_PRICE.perMillionRequests}/M requests; billed = network wait + CPU x 1769/MB, rounded up; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const results = {
    date: new Date().toISOString(),
    machine,
    loadAverage: { before: loadBefore, after: loadAfter },
    settings: { ...settings, cluster: `3 brokers, RF 3, min ISR 2, +${settings.latencyMs} ms each way` },
    price: LAMBDA_ARM_PRICE,
    model: 'billed ms = ceil(wall - cpu + cpu * max(1, 1769 / memoryMb)); median over invocations',
    rows,
  };
  const dir = join(PROJECT_ROOT, 'bench', 'results');
  await writeFile(join(dir, 'cost.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(
    join(dir, 'cost.svg'),
    barChart({
      title: 'Lambda cost per million events (Arm, warm invocations, cross-AZ cluster)',
      subtitle: `${machine}; ${results.date.slice(0, 10)}; naive = kafkajs producer connected per invocation, at its cheapest memory`,
      unit: 'US$ per million events (lower is better)',
      log: true,
      bars: rows.flatMap((r) => [
        {
          label: `${r.trigger}: bridge (${r.ours.memoryMb} MB)`,
          value: r.ours.dollarsPerMillionEvents,
          annotation: `$${r.ours.dollarsPerMillionEvents.toFixed(3)}`,
          color: KIND_COLORS.lambda,
        },
        {
          label: `${r.trigger}: naive (${r.naive.memoryMb} MB)`,
          value: r.naive.dollarsPerMillionEvents,
          annotation: `$${r.naive.dollarsPerMillionEvents.toFixed(3)} (${r.naiveOverOurs}x)`,
          color: KIND_COLORS.bad,
        },
      ]),
    }),
  );
  console.log('Wrote bench/results/cost.json, cost.svg');
} finally {
  await clearContainerWarmWriter();
  await xaz.stop();
}

async function measure(invoke: () => Promise<unknown>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await invoke();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}
