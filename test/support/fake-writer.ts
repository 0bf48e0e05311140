import { onTestFinished } from 'vitest';
import type { Balancer } from '../../lib/balancers/balancer.ts';
import { Writer, type WriterOptions } from '../../lib/index.ts';
import type { RecordMetadata } from '../../lib/writer/writer.ts';
import {
  type FakeKafkaCluster,
  type FakeKafkaClusterOptions,
  startFakeKafkaCluster,
} from './fake-broker/index.ts';

/** Routes each message to the partition its key names ('0', '1', ...). */
export const keyIsPartition: Balancer = {
  balance: (message) => Number(String(message.key)),
};

/** A fake cluster stopped after the test. */
export async function fakeCluster(options: FakeKafkaClusterOptions): Promise<FakeKafkaCluster> {
  const fake = await startFakeKafkaCluster(options);
  onTestFinished(() => fake.stop());
  return fake;
}

/** A Writer on the fake cluster, closed after the test; fast backoff so retries take no time. */
export function fakeWriter(fake: FakeKafkaCluster, options: Partial<WriterOptions> = {}): Writer {
  const writer = new Writer({
    brokers: fake.brokers,
    balancer: keyIsPartition,
    writeBackoffMinMs: 5,
    writeBackoffMaxMs: 20,
    ...options,
  });
  onTestFinished(() => writer.close({ timeoutMs: 5_000 }).catch(() => undefined));
  return writer;
}

/** What the fake's log holds at an acknowledged position. */
export function valueAt(fake: FakeKafkaCluster, landed: RecordMetadata): string | undefined {
  const found = fake.records(landed.topic, landed.partition).find((r) => String(r.offset) === landed.offset);
  return found?.value?.toString();
}

/** Every value in a partition's log, in offset order. */
export function valuesIn(fake: FakeKafkaCluster, topic: string, partition: number): string[] {
  return fake.records(topic, partition).map((r) => String(r.value));
}
