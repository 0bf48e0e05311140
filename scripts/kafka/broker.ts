import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { portAnswers, probePort, stopProcess } from '../setup/processes.ts';
import { LOCAL_SASL_USERS, LOG4J2_PROPERTIES, portsFor, serverProperties } from './config.ts';
import { ensureKafkaJars } from './install.ts';
import { CACHE_DIR } from './paths.ts';
import { ensureTlsMaterial, type TlsMaterial } from './tls.ts';

const run = promisify(execFile);

/** The two layouts the project runs: the seed's three brokers, and one broker on other ports. */
export const CLUSTER_LAYOUTS = {
  /** Three brokers on 9092, 9093, 9094 (the seed's addresses); RF 3, min.insync.replicas 2. */
  cluster: { nodeCount: 3, basePort: 9092 },
  /** One broker on 19092; SASL_SSL on 19192. */
  single: { nodeCount: 1, basePort: 19092 },
} as const;

export interface StartClusterOptions {
  /** Folder name under .cache/kafka/run; also picks the layout when it names one. */
  name: string;
  nodeCount?: number;
  basePort?: number;
  /** server.properties entries applied to every node. */
  overrides?: Record<string, string | number>;
  /**
   * server.properties entries for one node, applied after `overrides`: per-node listeners, as
   * the Toxiproxy harness (scripts/toxiproxy/proxied-cluster.ts) needs to advertise proxy ports.
   */
  nodeOverrides?: (nodeId: number) => Record<string, string | number>;
  /** How long to wait for the cluster to answer; default 90 s. */
  readyTimeoutMs?: number;
}

/** A running local KRaft cluster whose nodes can be stopped, killed and restarted. */
export class LocalKafkaCluster {
  readonly name: string;
  readonly nodeCount: number;
  readonly basePort: number;
  readonly tls: TlsMaterial;
  private readonly libs: string;
  private readonly root: string;
  private readonly children = new Map<number, ChildProcess>();

  private constructor(
    options: Required<Omit<StartClusterOptions, 'overrides' | 'nodeOverrides' | 'readyTimeoutMs'>> & {
      tls: TlsMaterial;
      libs: string;
    },
  ) {
    this.name = options.name;
    this.nodeCount = options.nodeCount;
    this.basePort = options.basePort;
    this.tls = options.tls;
    this.libs = options.libs;
    this.root = join(CACHE_DIR, 'run', options.name);
  }

  /**
   * Formats fresh storage for every node, starts them and waits until all are registered. A start
   * that loses a port race (another process's outgoing connection briefly holding one of ours)
   * is tried once more.
   */
  static async start(options: StartClusterOptions): Promise<LocalKafkaCluster> {
    try {
      return await LocalKafkaCluster.startOnce(options);
    } catch (error) {
      if (!String((error as Error).message).includes('Address already in use')) throw error;
      await sleep(2000);
      return await LocalKafkaCluster.startOnce(options);
    }
  }

  private static async startOnce(options: StartClusterOptions): Promise<LocalKafkaCluster> {
    const layout = CLUSTER_LAYOUTS[options.name as keyof typeof CLUSTER_LAYOUTS];
    const nodeCount = options.nodeCount ?? layout?.nodeCount ?? 1;
    const basePort = options.basePort ?? layout?.basePort ?? 19092;
    const [libs, tls] = await Promise.all([ensureKafkaJars(), ensureTlsMaterial()]);
    const cluster = new LocalKafkaCluster({ name: options.name, nodeCount, basePort, tls, libs });
    await cluster.stopLeftovers();
    await cluster.assertPortsFree();
    await cluster.format(options.overrides ?? {}, options.nodeOverrides);
    try {
      for (const nodeId of cluster.nodeIds()) cluster.launch(nodeId);
      await cluster.waitUntilReady(options.readyTimeoutMs ?? 90_000);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Attaches to a cluster started by another process (the CLI), to stop it. */
  static async attach(name: string): Promise<LocalKafkaCluster> {
    const layout = CLUSTER_LAYOUTS[name as keyof typeof CLUSTER_LAYOUTS];
    const [libs, tls] = await Promise.all([ensureKafkaJars(), ensureTlsMaterial()]);
    return new LocalKafkaCluster({
      name,
      nodeCount: layout?.nodeCount ?? 1,
      basePort: layout?.basePort ?? 19092,
      tls,
      libs,
    });
  }

  nodeIds(): number[] {
    return Array.from({ length: this.nodeCount }, (_, i) => i + 1);
  }

  /** PLAINTEXT bootstrap addresses, one per node. */
  get brokers(): string[] {
    return this.nodeIds().map((id) => `127.0.0.1:${portsFor(this.basePort, id - 1).plaintext}`);
  }

  /** SASL_SSL bootstrap addresses, one per node. */
  get saslSslBrokers(): string[] {
    return this.nodeIds().map((id) => `127.0.0.1:${portsFor(this.basePort, id - 1).saslSsl}`);
  }

  /** The broker's self-signed certificate, for clients to trust. */
  caPem(): string {
    return readFileSync(this.tls.caPemPath, 'utf8');
  }

  /** SASL users provisioned at format time. */
  get users() {
    return LOCAL_SASL_USERS;
  }

  nodeDir(nodeId: number): string {
    return join(this.root, `node-${nodeId}`);
  }

  logPath(nodeId: number): string {
    return join(this.nodeDir(nodeId), 'server.log');
  }

  /** The last lines of a node's log, for error messages when something fails. */
  logTail(nodeId: number, lines = 40): string {
    const path = this.logPath(nodeId);
    if (!existsSync(path)) return `(no log at ${path})`;
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  }

  /** Starts a node that was stopped or killed, and waits until the cluster sees it again. */
  async startNode(nodeId: number, readyTimeoutMs = 60_000): Promise<void> {
    this.launch(nodeId);
    await this.waitUntilReady(readyTimeoutMs);
  }

  /** Stops a node gracefully (SIGTERM: controlled shutdown moves its leaders first). */
  async stopNode(nodeId: number): Promise<void> {
    await this.signalNode(nodeId, 'SIGTERM', 30_000);
  }

  /** Kills a node abruptly (SIGKILL): no controlled shutdown, like a crashed host. */
  async killNode(nodeId: number): Promise<void> {
    await this.signalNode(nodeId, 'SIGKILL', 10_000);
  }

  /**
   * Freezes a node (SIGSTOP): its sockets stay open but nothing is answered, so a request sent
   * now is in flight until resumeNode(). The only way to hold a real request in flight on demand.
   */
  async pauseNode(nodeId: number): Promise<void> {
    const pid = await this.pidOf(nodeId);
    if (pid) process.kill(pid, 'SIGSTOP');
  }

  /** Resumes a node frozen by pauseNode(). */
  async resumeNode(nodeId: number): Promise<void> {
    const pid = await this.pidOf(nodeId);
    if (pid) process.kill(pid, 'SIGCONT');
  }

  /** Stops every node and waits for their processes to exit. */
  async stop(): Promise<void> {
    await Promise.all(this.nodeIds().map((id) => this.stopNode(id)));
  }

  /**
   * Changes a SCRAM user's password on the brokers (Kafka's own ConfigCommand, as
   * kafka-configs.sh runs it): how a secret rotation looks from the broker's side.
   */
  async setScramPassword(username: string, password: string, mechanism = 'SCRAM-SHA-512'): Promise<void> {
    await run(this.java(), [
      '-cp',
      `${this.libs}/*`,
      'org.apache.kafka.tools.ConfigCommand',
      '--bootstrap-server',
      this.brokers[0] as string,
      '--alter',
      '--add-config',
      `${mechanism}=[password=${password}]`,
      '--entity-type',
      'users',
      '--entity-name',
      username,
    ]);
  }

  /** The node that currently leads a partition, from the cluster's own metadata. */
  async leaderOf(topic: string, partition: number): Promise<number> {
    const admin = this.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const meta = topics[0]?.partitions.find((p) => p.partitionId === partition);
      if (!meta) throw new Error(`no metadata for ${topic}/${partition}`);
      return meta.leader;
    } finally {
      await admin.disconnect();
    }
  }

  private admin() {
    return new Kafka({ brokers: this.brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  }

  private java(): string {
    return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  }

  private async format(
    overrides: Record<string, string | number>,
    nodeOverrides?: StartClusterOptions['nodeOverrides'],
  ): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
    const clusterId = 'kAfKaLaMbDaBrIdGeLoCaL'.slice(0, 22);
    const { scram } = LOCAL_SASL_USERS;
    for (const nodeId of this.nodeIds()) {
      const dir = this.nodeDir(nodeId);
      await mkdir(dir, { recursive: true });
      const properties = serverProperties({
        nodeId,
        nodeCount: this.nodeCount,
        basePort: this.basePort,
        dataDir: join(dir, 'data'),
        tls: this.tls,
        overrides: { ...overrides, ...nodeOverrides?.(nodeId) },
      });
      await writeFile(join(dir, 'server.properties'), properties);
      await writeFile(join(dir, 'log4j2.properties'), LOG4J2_PROPERTIES);
      try {
        await run(this.java(), [
          '-cp',
          `${this.libs}/*`,
          `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          clusterId,
          '-c',
          join(dir, 'server.properties'),
          '--add-scram',
          `SCRAM-SHA-512=[name=${scram.username},password=${scram.password}]`,
          '--add-scram',
          `SCRAM-SHA-256=[name=${scram.username},password=${scram.password}]`,
        ]);
      } catch (error) {
        const output = (error as { stdout?: string }).stdout ?? '';
        throw new Error(`formatting Kafka storage for ${this.name} node ${nodeId} failed:\n${output}`, {
          cause: error,
        });
      }
    }
  }

  private launch(nodeId: number): void {
    const dir = this.nodeDir(nodeId);
    const log = openSync(this.logPath(nodeId), 'a');
    const child = spawn(
      this.java(),
      [
        '-Xms256m',
        '-Xmx768m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
        '-cp',
        `${this.libs}/*`,
        'kafka.Kafka',
        join(dir, 'server.properties'),
      ],
      // Detached with its own log: the node outlives a crashed test runner only until the
      // next start, which kills leftovers by the pid file.
      { detached: true, stdio: ['ignore', log, log] },
    );
    child.unref();
    this.children.set(nodeId, child);
    if (child.pid) void writeFile(join(dir, 'pid'), String(child.pid));
  }

  private async signalNode(nodeId: number, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const pid = await this.pidOf(nodeId);
    if (pid) await stopProcess(pid, signal, timeoutMs);
    this.children.delete(nodeId);
  }

  /** The node's process id, from its child handle or its pid file; undefined when not running. */
  async pidOf(nodeId: number): Promise<number | undefined> {
    const child = this.children.get(nodeId);
    if (child?.pid && child.exitCode === null) return child.pid;
    const file = join(this.nodeDir(nodeId), 'pid');
    if (!existsSync(file)) return undefined;
    const pid = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  private async stopLeftovers(): Promise<void> {
    for (const nodeId of this.nodeIds()) await this.signalNode(nodeId, 'SIGKILL', 10_000);
  }

  /**
   * Fails clearly when another process (another cluster, a second test run) holds one of this
   * cluster's ports: otherwise readiness checks would talk to the wrong broker.
   */
  private async assertPortsFree(): Promise<void> {
    for (const nodeId of this.nodeIds()) {
      const ports = portsFor(this.basePort, nodeId - 1);
      for (const port of [ports.plaintext, ports.saslSsl, ports.controller]) {
        if (await portAnswers(port)) {
          throw new Error(
            `port ${port} (${this.name} node ${nodeId}) is already in use on 127.0.0.1; stop whatever holds it (ss -ltnp | grep ${port}) or pick another base port`,
          );
        }
      }
    }
  }

  private exitedNodes(): number[] {
    return [...this.children.entries()].filter(([, c]) => c.exitCode !== null).map(([id]) => id);
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const running = [...this.children.keys()];
    let lastProblem = 'not started';
    while (Date.now() < deadline) {
      const exited = this.exitedNodes();
      if (exited.length > 0) {
        throw new Error(
          `Kafka node ${exited[0]} of ${this.name} exited while starting. Log tail:\n${this.logTail(exited[0] as number)}`,
        );
      }
      try {
        const ports = running.map((id) => portsFor(this.basePort, id - 1).plaintext);
        await Promise.all(ports.map((port) => probePort(port)));
        const admin = this.admin();
        await admin.connect();
        try {
          const { brokers } = await admin.describeCluster();
          const ids = new Set(brokers.map((b) => b.nodeId));
          if (running.every((id) => ids.has(id))) return;
          lastProblem = `cluster lists nodes [${[...ids].join(',')}], waiting for [${running.join(',')}]`;
        } finally {
          await admin.disconnect();
        }
      } catch (error) {
        lastProblem = (error as Error).message;
      }
      await sleep(250);
    }
    const tails = running.map((id) => `--- node ${id} ---\n${this.logTail(id)}`).join('\n');
    throw new Error(`Kafka ${this.name} not ready after ${timeoutMs} ms (${lastProblem}).\n${tails}`);
  }
}
