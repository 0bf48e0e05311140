import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CACHE_DIR } from '../../../scripts/kafka/paths.ts';
import type { ProxiedKafkaCluster } from '../../../scripts/toxiproxy/proxied-cluster.ts';
import { useDedicatedCluster } from '../dedicated-cluster.ts';
import { useMoto } from '../moto.ts';
import { type FaultReport, formatReport } from './ledger.ts';
import { PATHS, type PathName } from './paths.ts';
import { runScenario } from './runner.ts';
import { brokerBounce, IDLE_MS, idleReap, leaderKill, outage, type Scenario } from './scenarios.ts';
import { runWebhookFuzz } from './webhook-fuzz.ts';

/** How big a fault run is: the reduced one runs in `npm test`, the full one in `npm run test:faults`. */
export interface FaultRunSize {
  label: 'reduced' | 'full';
  /** Messages per path and scenario (N). */
  messages: number;
  /** Messages on the moto path (moto's SQS costs O(queue depth) per call). */
  motoMessages: number;
  /** How long messages keep arriving while the fault happens. */
  spreadMs: number;
  webhookRequests: number;
  paths: readonly PathName[];
  /** Scenarios that also run the moto + SqsPoller path. */
  motoScenarios: readonly string[];
  /** Also freeze the cluster past the broker session and client request timeouts. */
  longOutage: boolean;
  /** Paths give up this long after a scenario starts; what is left counts as failed back. */
  capMs: number;
  /** Vitest timeout of one scenario. */
  timeoutMs: number;
}

/** Inside `npm test`: small enough for CI, the same scenarios and checks. */
export const REDUCED: FaultRunSize = {
  label: 'reduced',
  messages: 5_000,
  motoMessages: 300,
  spreadMs: 12_000,
  webhookRequests: 1_000,
  paths: [PATHS.writer, PATHS.sqsHandler],
  motoScenarios: ['outage'],
  longOutage: false,
  capMs: 120_000,
  timeoutMs: 240_000,
};

/** `npm run test:faults`: issue 5's numbers (FAULTS_MESSAGES / FAULTS_WEBHOOK_REQUESTS override). */
export const FULL: FaultRunSize = {
  label: 'full',
  messages: Number(process.env.FAULTS_MESSAGES ?? 100_000),
  motoMessages: Number(process.env.FAULTS_MOTO_MESSAGES ?? 2_000),
  spreadMs: 40_000,
  webhookRequests: Number(process.env.FAULTS_WEBHOOK_REQUESTS ?? 10_000),
  paths: [PATHS.writer, PATHS.writerNotIdempotent, PATHS.sqsHandler],
  motoScenarios: ['leader-kill', 'outage', 'outage-long'],
  longOutage: true,
  capMs: 420_000,
  timeoutMs: 900_000,
};

/** Every report of the file, for the summary table and the JSON the docs are made from. */
const results: FaultReport[] = [];

/** Prints the file's table and writes it to .cache/faults/ (docs/FAULTS.md quotes the full run's). */
export function reportAfterAll(size: FaultRunSize, file: string): void {
  afterAll(async () => {
    if (results.length === 0) return;
    const header = '| scenario | path | sent | in Kafka | failed back | lost | duplicates |';
    const rows = results.map(
      (r) =>
        `| ${r.scenario} | ${r.path} | ${r.sent} | ${r.inKafka} | ${r.failedBack} | ${r.lost} | ${r.duplicates} |`,
    );
    console.log(
      [`fault run (${size.label}, ${file})`, header, '|---|---|---|---|---|---|---|', ...rows].join('\n'),
    );
    const dir = join(CACHE_DIR, '..', 'faults');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${size.label}-${file}.json`), JSON.stringify(results, null, 2));
  });
}

/**
 * The books must balance: nothing lost, everything acknowledged is in Kafka, and every duplicate
 * traces back to requests that may have appended it (see Ledger.settle for the causes).
 */
function expectAccounted(report: FaultReport): void {
  const line = formatReport(report);
  expect(report.lost, `${line}\nlost:\n${report.lostSample.join('\n')}`).toBe(0);
  expect(report.acknowledgedMissing.slice(0, 5), `${line}\nacknowledged but not in Kafka`).toEqual([]);
  expect(report.foreign, `${line}\nrecords that name no message sent`).toBe(0);
  expect(report.duplicateCauses.unexplained, `${line}\nduplicates no request explains`).toBe(0);
  // Every path but the one that turns idempotence off runs the defaults (idempotent with acks=all):
  // a retry reuses its sequence numbers and the broker drops the copy, so a duplicate can only come
  // from the source delivering a message again.
  if (report.path !== PATHS.writerNotIdempotent) expect(report.duplicateCauses.writerRetry, line).toBe(0);
}

/** Runs a scenario on every path of the run size and checks each path's books. */
export async function runAndCheck(
  size: FaultRunSize,
  scenario: Scenario,
  cluster: Parameters<typeof runScenario>[0]['cluster'],
  motoEndpoint: string | undefined,
  network?: ProxiedKafkaCluster,
): Promise<FaultReport[]> {
  const withMoto = size.motoScenarios.includes(scenario.name) && motoEndpoint !== undefined;
  const { reports, fault } = await runScenario({
    cluster,
    scenario,
    paths: withMoto ? [...size.paths, PATHS.sqsMoto] : size.paths,
    messages: size.messages,
    motoMessages: size.motoMessages,
    ...(motoEndpoint ? { motoEndpoint } : {}),
    spreadMs: size.spreadMs,
    capMs: size.capMs,
    ...(network ? { network } : {}),
  });
  for (const report of reports) {
    console.log(formatReport(report));
    results.push(report);
  }
  expect(fault.proven, `the fault happened while messages flowed: ${fault.note}`).toBe(true);
  for (const report of reports) expectAccounted(report);
  return reports;
}

/**
 * Kill, bounce and freeze on a three-broker cluster of the file's own (127.0.0.1:27092-27094; RF 3,
 * min.insync.replicas 2, acks=all), with moto for the SQS path through real SQS APIs.
 */
export function describeBrokerFaults(size: FaultRunSize): void {
  // Named per run size: a full run and an `npm test` started meanwhile then fail fast on the busy
  // ports instead of one killing the other's brokers through a shared pid file.
  const cluster = useDedicatedCluster({
    name: `faults-brokers-${size.label}`,
    nodeCount: 3,
    basePort: 27092,
  });
  const moto = useMoto({ port: size.label === 'full' ? 27401 : 27400, stubEnv: false });
  reportAfterAll(size, 'brokers');
  // Shorter than the brokers' session timeout (6 s), so no leader moves: unreachable, nothing else.
  const outages = [outage('outage', 5_000)];
  // Past the session timeout (brokers fenced, leaders move) and the client's request timeout
  // (15 s: requests in flight fail with an unknown outcome).
  if (size.longOutage) outages.push(outage('outage-long', 20_000));

  describe(`fault tests, ${size.label} (N = ${size.messages} per path): every message ends in Kafka or back at its source`, () => {
    it(
      'leader-kill: the partition leader is SIGKILLed mid-stream; the Writer moves to the new leader',
      async () => {
        const reports = await runAndCheck(size, leaderKill, cluster(), moto().endpoint);
        expect(
          reports.reduce((n, r) => n + r.failedRequests, 0),
          'produce requests met the dead leader',
        ).toBeGreaterThan(0);
      },
      size.timeoutMs,
    );

    it(
      'broker-bounce: the partition leader stops (controlled shutdown) and starts again mid-stream',
      async () => {
        const reports = await runAndCheck(size, brokerBounce, cluster(), moto().endpoint);
        expect(
          reports.reduce((n, r) => n + r.failedRequests, 0),
          'produce requests met the stopped broker',
        ).toBeGreaterThan(0);
      },
      size.timeoutMs,
    );

    for (const scenario of outages) {
      it(
        `${scenario.name}: every broker is frozen longer than a 3 s invocation; what failed is redelivered or dead-lettered`,
        async () => {
          const reports = await runAndCheck(size, scenario, cluster(), moto().endpoint);
          expect(
            reports.reduce((n, r) => n + r.redelivered, 0),
            'invocations failed back during the freeze',
          ).toBeGreaterThan(0);
        },
        size.timeoutMs,
      );
    }
  });
}

/**
 * Idle reaping and the webhook fuzz on a second three-broker cluster (127.0.0.1:28092-28094) whose
 * brokers close connections idle for IDLE_MS.
 */
export function describeIdleAndWebhookFaults(size: FaultRunSize): void {
  const cluster = useDedicatedCluster({
    name: `faults-idle-${size.label}`,
    nodeCount: 3,
    basePort: 28092,
    overrides: { 'connections.max.idle.ms': IDLE_MS },
  });
  reportAfterAll(size, 'idle-webhook');

  describe(`fault tests, ${size.label}: idle connections reaped by the broker, and the webhook under fuzz`, () => {
    it(
      `idle-reap: bursts with idle gaps past connections.max.idle.ms (${IDLE_MS} ms); every burst reconnects and nothing fails`,
      async () => {
        const reports = await runAndCheck(
          size,
          idleReap(size.label === 'full' ? 5 : 3),
          cluster(),
          undefined,
        );
        // A closed idle connection is the Writer's job to replace: nothing goes back to the source.
        for (const report of reports) expect(report.failedBack, formatReport(report)).toBe(0);
      },
      size.timeoutMs,
    );

    it(
      `webhook: ${size.webhookRequests} fuzzed requests over four signature schemes while a broker bounces: no crash, no 5xx for a client's mistake, no forged signature accepted`,
      async () => {
        const result = await runWebhookFuzz({
          cluster: cluster(),
          requests: size.webhookRequests,
          seed: 20_261_125,
          bounceAt: 0.3,
        });
        console.log(formatReport(result.report));
        results.push(result.report);
        expect(result.crashes).toEqual([]);
        expect(result.wrongStatuses).toEqual([]);
        expect(result.forgedAccepted).toBe(0);
        expect(result.rejectedButWritten).toBe(0);
        expect(result.misplaced).toEqual([]);
        expectAccounted(result.report);
        // The generator reaches every answer and thousands of forgeries, so the checks are not vacuous.
        expect(Object.keys(result.statuses).map(Number)).toEqual(
          expect.arrayContaining([200, 400, 401, 404, 405, 413, 415]),
        );
        expect(result.forgedChecked).toBeGreaterThan(size.webhookRequests / 10);
      },
      size.timeoutMs,
    );
  });
}
