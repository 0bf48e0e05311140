/**
 * `npm run bench:cost`: what a million events cost per trigger, from durations measured on the
 * cross-AZ cluster (bench/cross-az-cluster.ts: three brokers, +1 ms each way, RF 3, min ISR 2) and
 * the memory each function deploys with, at Lambda's published Arm price; next to a naive handler
 * (a kafkajs producer connected, used and disconnected in every invocation, as many samples do).
 * Twice: over PLAINTEXT, and over TLS + SASL/SCRAM-SHA-512 as Amazon MSK is reached, where the
 * naive handler's connect costs a TLS handshake and a SCRAM exchange per broker it talks to.
 *
 * Lambda gives a function CPU in proportion to its memory (one vCPU at 1,769 MB), so a duration
 * measured here on a full core is not what a 128 MB function bills: each invocation's CPU time is
 * measured too and stretched by 1769 / memory (network waits are not), then rounded up to the
 * millisecond as Lambda bills (bench/cost-model.ts). Warm invocations only: cold starts are
 * `npm run bench:cold-start`. A benchmark, not a test: nothing asserts a timing.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { FUNCTION_MEMORY_MB } from '../cdk/triggers/trigger-props.ts';
import { clearContainerWarmWriter } from '../lib/lambda/container.ts';
import { PROJECT_ROOT } from '../scripts/kafka/paths.ts';
import { barChart, KIND_COLORS } from './chart.ts';
import { type CostRow, costRow, LAMBDA_ARM_PRICE, type Sample } from './cost-model.ts';
import { type CostConnection, costShapes, SCHEDULED_MESSAGES } from './cost-shapes.ts';
import { type CrossAzCluster, startCrossAzCluster } from './cross-az-cluster.ts';
import { table } from './measure.ts';

/** Ports 31092 .. 31794 (proxiedPortsFor with the SASL_SSL proxies): below 32768. */
const BASE_PORT = 31092;
const BLOCK = 20;
const CONNECTION_IDS = ['plaintext', 'tls-scram'] as const;

const settings = {
  invocations: Number(process.env.BENCH_COST_INVOCATIONS ?? 200),
  latencyMs: Number(process.env.BENCH_XAZ_LATENCY_MS ?? 1),
  valueBytes: Number(process.env.BENCH_VALUE_BYTES ?? 1024),
  scheduledMessages: SCHEDULED_MESSAGES,
  connections: (process.env.BENCH_COST_CONNECTIONS ?? CONNECTION_IDS.join(','))
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== ''),
};
for (const id of settings.connections) {
  if (!(CONNECTION_IDS as readonly string[]).includes(id)) {
    throw new Error(`BENCH_COST_CONNECTIONS: unknown "${id}" (known: ${CONNECTION_IDS.join(', ')})`);
  }
}
const loadBefore = loadavg();
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(
  `Cost per million events: ${settings.invocations} warm invocations per handler on 3 brokers +${settings.latencyMs} ms each way (RF 3, min ISR 2, acks=all), values of ${settings.valueBytes} B, over ${settings.connections.join(' and ')}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
);
const xaz = await startCrossAzCluster({
  name: 'bench-cost',
  basePort: BASE_PORT,
  latencyMs: settings.latencyMs,
  proxySaslSsl: true,
});
try {
  const run = `cost-${Date.now()}`;
  const connections = connectionsOf(xaz).filter((c) => settings.connections.includes(c.id));
  const tables: Record<CostConnection['id'], CostRow[]> = { plaintext: [], 'tls-scram': [] };
  for (const connection of connections) {
    // The handlers below share a new container Writer built from this connection's KAFKA_*.
    await clearContainerWarmWriter();
    const shapes = await costShapes({
      connection,
      createTopic: (name) => xaz.createTopic(`${run}-${connection.id}-${name}`, 6),
      invocations: settings.invocations,
      valueBytes: settings.valueBytes,
    });
    for (const shape of shapes) {
      console.log(
        `Running ${shape.trigger} over ${connection.label}: ours and naive, alternating blocks of ${BLOCK}...`,
      );
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
      tables[connection.id].push(costRow(shape, samples, FUNCTION_MEMORY_MB[shape.trigger]));
    }
  }
  const loadAfter = loadavg();

  for (const connection of connections) {
    console.log(`\n${connection.label}:\n${printable(tables[connection.id])}`);
  }
  console.log(
    `\nArm $${LAMBDA_ARM_PRICE.perGbSecond}/GB-s + $${LAMBDA_ARM_PRICE.perMillionRequests}/M requests; billed = network wait + CPU x 1769/MB, rounded up; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const results = {
    date: new Date().toISOString(),
    machine,
    loadAverage: { before: loadBefore, after: loadAfter },
    settings: {
      ...settings,
      cluster: `3 brokers, RF 3, min ISR 2, +${settings.latencyMs} ms each way`,
      connections: Object.fromEntries(connections.map((c) => [c.id, c.label])),
    },
    price: LAMBDA_ARM_PRICE,
    model: 'billed ms = ceil(wall - cpu + cpu * max(1, 1769 / memoryMb)); median over invocations',
    /** PLAINTEXT. */
    rows: tables.plaintext,
    /** TLS + SASL/SCRAM-SHA-512, rows of the same format. */
    tlsScramRows: tables['tls-scram'],
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
      bars: connections.flatMap((connection) =>
        tables[connection.id].flatMap((r) => [
          {
            label: `${r.trigger}, ${connection.short}: bridge (${r.ours.memoryMb} MB)`,
            value: r.ours.dollarsPerMillionEvents,
            annotation: `$${r.ours.dollarsPerMillionEvents.toFixed(3)}`,
            color: KIND_COLORS.lambda,
          },
          {
            label: `${r.trigger}, ${connection.short}: naive (${r.naive.memoryMb} MB)`,
            value: r.naive.dollarsPerMillionEvents,
            annotation: `$${r.naive.dollarsPerMillionEvents.toFixed(3)} (${r.naiveOverOurs}x)`,
            color: KIND_COLORS.bad,
          },
        ]),
      ),
    }),
  );
  console.log('Wrote bench/results/cost.json, cost.svg');
} finally {
  await clearContainerWarmWriter();
  await xaz.stop();
}

/**
 * The two ways to the brokers. TLS + SCRAM as a deployed function gets it: KAFKA_AUTH with TLS
 * on by default, the local broker's CA in KAFKA_TLS_CA_FILE. A deployed function reads the
 * credentials from KAFKA_SECRET_ARN once per container (lib/auth's cache), so warm invocations
 * do not pay for them: here they are given directly, to both handlers alike.
 */
function connectionsOf(cluster: CrossAzCluster): Array<CostConnection & { short: string }> {
  const { kafka } = cluster.cluster;
  const { username, password } = kafka.users.scram;
  return [
    {
      id: 'plaintext',
      label: 'PLAINTEXT',
      short: 'PLAINTEXT',
      brokers: cluster.brokers,
      env: {},
      kafkajs: {},
    },
    {
      id: 'tls-scram',
      label: 'TLS + SASL/SCRAM-SHA-512',
      short: 'TLS+SCRAM',
      brokers: cluster.saslSslBrokers ?? [],
      env: {
        KAFKA_AUTH: 'scram-sha-512',
        KAFKA_USERNAME: username,
        KAFKA_PASSWORD: password,
        KAFKA_TLS_CA_FILE: kafka.tls.caPemPath,
      },
      kafkajs: { ssl: { ca: [kafka.caPem()] }, sasl: { mechanism: 'scram-sha-512', username, password } },
    },
  ];
}

/** One table per connection, in the format of the README's. */
function printable(rows: readonly CostRow[]): string {
  return table(
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
  );
}

async function measure(invoke: () => Promise<unknown>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await invoke();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}
