import { readFileSync } from 'node:fs';
import { connect, isIP } from 'node:net';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { connectionsTo } from '../../scripts/toxiproxy/connections.ts';
import type { ProxiedKafkaCluster } from '../../scripts/toxiproxy/proxied-cluster.ts';
import { useProxiedCluster } from '../support/proxied-cluster.ts';
import { createTopic } from '../support/topics.ts';

/** A kafkajs client of the proxied cluster that records every port it opens a socket to. */
function client(kafka: ProxiedKafkaCluster, dialed: number[] = []) {
  return new Kafka({
    brokers: kafka.brokers,
    logLevel: logLevel.NOTHING,
    requestTimeout: 1500,
    retry: { retries: 2, initialRetryTime: 100 },
    socketFactory: ({ host, port, onConnect }) => {
      dialed.push(port);
      return connect({ host, port }, onConnect);
    },
  });
}

/**
 * A kafkajs client of the cluster's SASL_SSL listeners (TLS + SCRAM-SHA-512, trusting the
 * broker's own certificate) that records every port it opens a socket to.
 */
function tlsClient(kafka: ProxiedKafkaCluster, dialed: number[] = []) {
  const { username, password } = kafka.kafka.users.scram;
  return new Kafka({
    brokers: kafka.saslSslBrokers,
    logLevel: logLevel.NOTHING,
    ssl: { ca: [kafka.kafka.caPem()] },
    sasl: { mechanism: 'scram-sha-512', username, password },
    requestTimeout: 1500,
    retry: { retries: 2, initialRetryTime: 100 },
    // kafkajs' own factory, recording: TLS, with SNI only for host names.
    socketFactory: ({ host, port, ssl, onConnect }) => {
      dialed.push(port);
      return connectTls({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect);
    },
  });
}

async function connectedProducer(kafka: ProxiedKafkaCluster, dialed?: number[]) {
  const producer = client(kafka, dialed).producer();
  await producer.connect();
  onTestFinished(() => producer.disconnect());
  return producer;
}

async function isrOf(kafka: ProxiedKafkaCluster, topic: string): Promise<number[]> {
  const admin = client(kafka).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return [...(topics[0]?.partitions[0]?.isr ?? [])].sort(byNumber);
  } finally {
    await admin.disconnect();
  }
}

function byNumber(a: number, b: number): number {
  return a - b;
}

function nodePid(kafka: ProxiedKafkaCluster, nodeId: number): number {
  return Number(readFileSync(join(kafka.kafka.nodeDir(nodeId), 'pid'), 'utf8').trim());
}

describe('Toxiproxy harness on a proxied three-broker cluster', () => {
  // Ports 31092-31692 (see proxiedPortsFor), clear of 29092, which second test runs use through
  // TEST_KAFKA_BASE_PORT. A short replica.lag.time.max.ms lets a leader drop a follower it cannot
  // reach from the ISR within a test. Started for this describe only, so it is stopped before
  // the next describe starts its own cluster.
  const cluster = useProxiedCluster({
    name: 'toxiproxy-harness',
    nodeCount: 3,
    basePort: 31092,
    overrides: { 'replica.lag.time.max.ms': 3000 },
  });

  it('advertises the client proxies, so a client opens sockets to nothing else', async () => {
    const kafka = cluster();
    const proxyPorts = kafka.nodeIds().map((id) => kafka.ports(id).clientProxy);
    const dialed: number[] = [];
    const topic = await createTopic(kafka.brokers, { partitions: 3 });
    const admin = client(kafka, dialed).admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());

    const { brokers } = await admin.describeCluster();
    const producer = await connectedProducer(kafka, dialed);
    await producer.send({
      topic,
      acks: -1,
      messages: [0, 1, 2].map((partition) => ({ partition, value: 'x' })),
    });

    expect(brokers.map((b) => b.port).sort(byNumber)).toEqual(proxyPorts);
    expect(dialed.filter((port) => !proxyPorts.includes(port))).toEqual([]);
    for (const partition of [0, 1, 2]) {
      expect(dialed).toContain(kafka.ports(await kafka.leaderOf(topic, partition)).clientProxy);
    }
  });

  it('keeps SASL_SSL direct when proxySaslSsl is not set', async () => {
    const kafka = cluster();
    const direct = kafka.nodeIds().map((id) => kafka.ports(id).saslSsl);
    const admin = tlsClient(kafka).admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());

    const { brokers } = await admin.describeCluster();

    expect(kafka.saslSslBrokers).toEqual(kafka.kafka.saslSslBrokers);
    expect(brokers.map((b) => b.port).sort(byNumber)).toEqual(direct);
    expect(() => kafka.saslSslProxy(1)).toThrow(/proxySaslSsl/);
  });

  it("holds a produce to a partition whose leader's client proxy black-holes, and only that one", async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 3 });
    const leaders = await Promise.all([0, 1, 2].map((p) => kafka.leaderOf(topic, p)));
    const victim = leaders[0] as number;
    const healthy = leaders.findIndex((leader) => leader !== victim);
    expect(healthy, `every partition of ${topic} is led by node ${victim}`).toBeGreaterThan(0);
    const producer = await connectedProducer(kafka);
    const sendTo = (partition: number) =>
      producer.send({ topic, acks: -1, messages: [{ partition, value: `to ${partition}` }] });
    // Warm up: metadata and a connection to both leaders exist before the fault.
    await Promise.all([sendTo(0), sendTo(healthy)]);

    await kafka.toxiproxy.addToxic(kafka.clientProxy(victim), {
      type: 'timeout',
      attributes: { timeout: 0 },
    });
    onTestFinished(() => kafka.toxiproxy.reset());

    await expect(sendTo(0)).rejects.toThrow(/timed out/i);
    await expect(sendTo(healthy)).resolves.toHaveLength(1);

    await kafka.toxiproxy.removeToxic(kafka.clientProxy(victim), 'timeout_downstream');
    await expect(sendTo(0)).resolves.toHaveLength(1);
  });

  it("routes follower fetches through the leader's replication proxy, never to its listener", async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 1 });
    const leader = await kafka.leaderOf(topic, 0);
    const followers = kafka.nodeIds().filter((id) => id !== leader);
    const producer = await connectedProducer(kafka);
    // acks=-1 returns once both followers fetched the batch: their fetchers are connected.
    await producer.send({ topic, acks: -1, messages: [{ value: 'replicate me' }] });

    const viaProxy = await connectionsTo(kafka.ports(leader).replicationProxy);
    const direct = await connectionsTo(kafka.ports(leader).replication);

    const proxyClients = new Set(viaProxy.map((c) => c.pid));
    for (const follower of followers) expect(proxyClients).toContain(nodePid(kafka, follower));
    expect(direct.length).toBeGreaterThan(0);
    expect(direct.map((c) => c.command)).toEqual(direct.map(() => expect.stringMatching(/^toxiproxy/)));
  });

  it("drops followers from the ISR when the leader's replication proxy black-holes, while clients still write", async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 1 });
    const leader = await kafka.leaderOf(topic, 0);
    const producer = await connectedProducer(kafka);
    await producer.send({ topic, acks: -1, messages: [{ value: 'before' }] });

    await kafka.toxiproxy.addToxic(kafka.replicationProxy(leader), {
      type: 'timeout',
      attributes: { timeout: 0 },
    });
    onTestFinished(() => kafka.toxiproxy.reset());

    // Only writes move the leader's log end past the followers, so keep writing with acks=1.
    await vi.waitFor(
      async () => {
        await producer.send({ topic, acks: 1, messages: [{ value: 'while cut off' }] });
        expect(await isrOf(kafka, topic)).toEqual([leader]);
      },
      { timeout: 30_000, interval: 500 },
    );
    // Metadata can show the shrunk ISR before the leader applies it (while its AlterPartition is
    // pending it keeps counting the old ISR), so an acks=all write may first just wait: ask again
    // with a broker-side timeout below the client's until the leader refuses it.
    await vi.waitFor(
      () =>
        expect(
          producer.send({ topic, acks: -1, timeout: 1_000, messages: [{ value: 'needs 2' }] }),
        ).rejects.toThrow(/in-sync replicas/i),
      { timeout: 30_000, interval: 500 },
    );

    await kafka.toxiproxy.reset();
    await vi.waitFor(async () => expect(await isrOf(kafka, topic)).toEqual(kafka.nodeIds()), {
      timeout: 60_000,
      interval: 500,
    });
  });
});

describe('Toxiproxy harness with proxySaslSsl', () => {
  // Ports 17092-17794 (see proxiedPortsFor): no other test file's cluster uses them.
  const cluster = useProxiedCluster({
    name: 'toxiproxy-harness-tls',
    nodeCount: 3,
    basePort: 17092,
    proxySaslSsl: true,
  });

  it('advertises the SASL_SSL proxies: a TLS + SCRAM write lands through them, and nothing else is dialed', async () => {
    const kafka = cluster();
    const proxyPorts = kafka.nodeIds().map((id) => kafka.ports(id).saslSslProxy);
    const topic = await createTopic(kafka.brokers, { partitions: 1 });
    const leader = await kafka.leaderOf(topic, 0);
    const before = await kafka.toxiproxy.bytes(kafka.saslSslProxy(leader));
    const dialed: number[] = [];
    const producer = tlsClient(kafka, dialed).producer();
    await producer.connect();
    onTestFinished(() => producer.disconnect());
    const admin = tlsClient(kafka, dialed).admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());

    const { brokers } = await admin.describeCluster();
    const [record] = await producer.send({ topic, acks: -1, messages: [{ value: 'x'.repeat(10_000) }] });
    const offsets = await admin.fetchTopicOffsets(topic);

    expect(record?.errorCode).toBe(0);
    expect(offsets).toEqual([expect.objectContaining({ partition: 0, high: '1' })]);
    expect(brokers.map((b) => b.port).sort(byNumber)).toEqual(proxyPorts);
    expect(dialed.filter((port) => !proxyPorts.includes(port))).toEqual([]);
    expect(dialed).toContain(kafka.ports(leader).saslSslProxy);
    // The 10 KB value went to the leader through its proxy, encrypted. Toxiproxy counts a
    // connection's bytes once it closes, hence the disconnect and the wait.
    await producer.disconnect();
    await vi.waitFor(
      async () => {
        const after = await kafka.toxiproxy.bytes(kafka.saslSslProxy(leader));
        expect(after.upstream - before.upstream).toBeGreaterThan(10_000);
      },
      { timeout: 10_000, interval: 250 },
    );
  });

  it("holds a TLS + SCRAM produce while the leader's SASL_SSL proxy black-holes, and lets it through after", async () => {
    const kafka = cluster();
    const topic = await createTopic(kafka.brokers, { partitions: 1 });
    const leader = await kafka.leaderOf(topic, 0);
    const producer = tlsClient(kafka).producer();
    await producer.connect();
    onTestFinished(() => producer.disconnect());
    const send = () => producer.send({ topic, acks: -1, messages: [{ value: 'over TLS' }] });
    // Warm up: metadata and a TLS connection to the leader exist before the fault.
    await send();

    await kafka.toxiproxy.addToxic(kafka.saslSslProxy(leader), {
      type: 'timeout',
      attributes: { timeout: 0 },
    });
    onTestFinished(() => kafka.toxiproxy.reset());

    await expect(send()).rejects.toThrow(/timed out/i);
    // PLAINTEXT has proxies of its own: the same leader still takes writes there.
    const plain = await connectedProducer(kafka);
    await expect(plain.send({ topic, acks: -1, messages: [{ value: 'plain' }] })).resolves.toHaveLength(1);

    await kafka.toxiproxy.removeToxic(kafka.saslSslProxy(leader), 'timeout_downstream');
    await expect(send()).resolves.toHaveLength(1);
  });
});
