import { KafkaJsTransport, transportConfigFrom } from '../../../lib/writer/kafkajs-transport.ts';
import { resolveWriterConfig, type WriterOptions } from '../../../lib/writer/options.ts';
import {
  type CreateTopicOptions,
  type KafkaTransport,
  type PartitionBatch,
  type ProduceOptions,
  type ProduceResult,
  TransportError,
  type WireRecord,
} from '../../../lib/writer/transport.ts';
import { Writer } from '../../../lib/writer/writer.ts';
import type { RequestTrace } from './ledger.ts';

/** Names the message a wire record carries, or undefined for records the test does not track. */
export type RecordIdentifier = (record: WireRecord) => string | undefined;

/**
 * The real kafkajs transport with a recorder in front: every produce request reports which
 * messages it carried and, when it fails, whether the transport says it was not written. That is
 * what lets a duplicate in Kafka be traced to the requests that could have made it.
 */
export class TracingTransport implements KafkaTransport {
  constructor(
    private readonly inner: KafkaTransport,
    private readonly identify: RecordIdentifier,
    private readonly trace: RequestTrace,
  ) {}

  connect(): Promise<void> {
    return this.inner.connect();
  }

  partitions(topic: string, options?: { refresh?: boolean }): Promise<number[] | undefined> {
    return this.inner.partitions(topic, options);
  }

  createTopic(topic: string, options: CreateTopicOptions): Promise<void> {
    return this.inner.createTopic(topic, options);
  }

  disconnect(): Promise<void> {
    return this.inner.disconnect();
  }

  abandon(batch: PartitionBatch): { mayBeWritten: boolean } {
    // The inner transport owns the batch's partition and sequences until it hears this.
    return this.inner.abandon?.(batch) ?? { mayBeWritten: true };
  }

  async produce(batch: PartitionBatch, options: ProduceOptions): Promise<ProduceResult> {
    const ids = batch.records.map(this.identify).filter((id): id is string => id !== undefined);
    this.trace.requestSent(ids);
    try {
      return await this.inner.produce(batch, options);
    } catch (error) {
      this.trace.requestFailed(error instanceof TransportError ? error.code : String(error));
      if (error instanceof TransportError && !error.maybeWritten) this.trace.requestNotWritten(ids);
      throw error;
    }
  }
}

/**
 * A Writer exactly as `new Writer(options)` builds it, but over a TracingTransport. The kafkajs
 * transport gets the settings the Writer's constructor gives it (transportConfigFrom: request
 * timeout, in-flight requests per partition), so only the recorder is added.
 */
export function tracedWriter(
  options: WriterOptions,
  identify: RecordIdentifier,
  trace: RequestTrace,
): Writer {
  const kafkajs = new KafkaJsTransport(transportConfigFrom(resolveWriterConfig(options)));
  return new Writer({ ...options, transport: new TracingTransport(kafkajs, identify, trace) });
}
