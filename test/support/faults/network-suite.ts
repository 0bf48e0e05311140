import { describe, expect, it } from 'vitest';
import { useProxiedCluster } from '../proxied-cluster.ts';
import { formatReport } from './ledger.ts';
import {
  blackholeLeader,
  deadSocketLeader,
  leaderMovesWhileWaiting,
  slowLeader,
} from './network-scenarios.ts';
import { type FaultRunSize, reportAfterAll, runAndCheck } from './suites.ts';

/**
 * Network faults on a three-broker cluster behind Toxiproxy (RF 3, min.insync.replicas 2,
 * acks=all): a leader that answers nothing, connections that die silently, a slow leader, and
 * leadership moving while acks=all requests wait for the ISR. Ports 20092-20692 for the reduced
 * run, 18092-18692 for the full one, so both can run at once.
 */
export function describeNetworkFaults(size: FaultRunSize): void {
  const cluster = useProxiedCluster({
    name: `faults-network-${size.label}`,
    nodeCount: 3,
    basePort: size.label === 'full' ? 18_092 : 20_092,
  });
  reportAfterAll(size, 'network');

  describe(`network fault tests, ${size.label} (N = ${size.messages} per path): nothing acknowledged is lost, no duplicate but redelivery`, () => {
    const cases = [
      [blackholeLeader, 'blackhole: the leader of partition 0 answers nothing for 8 s, then heals'],
      [
        deadSocketLeader,
        'dead-socket: connections to the leader die silently for longer than the request timeout',
      ],
      [slowLeader, 'slow-leader: the leader of partition 0 answers 2 s late for 10 s'],
      [
        leaderMovesWhileWaiting,
        'leader-move-slow-isr: leadership moves while acks=all requests wait for slow replication',
      ],
    ] as const;
    for (const [scenario, title] of cases) {
      it(
        title,
        async () => {
          const network = cluster();
          const reports = await runAndCheck(size, scenario, network.kafka, undefined, network);
          for (const report of reports) expect(report.sent, formatReport(report)).toBeGreaterThan(0);
        },
        size.timeoutMs,
      );
    }
  });
}
