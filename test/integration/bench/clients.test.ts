import { tracingChannel } from 'node:diagnostics_channel';
import { ProduceAcks } from '@platformatic/kafka';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { platformaticContender } from '../../../bench/clients.ts';
import { throughputWorkload } from '../../../bench/workload.ts';
import { createTopic } from '../../support/topics.ts';

// The benchmarks compare clients at acks=all: a contender writing at acks=1 skips the wait for
// the followers, a round trip or two per call, and looks that much faster than it is.
// @platformatic/kafka publishes each send, with the acks it settled on, on its tracing channel.

const brokers = inject('kafkaBrokers');
const { calls } = throughputWorkload({ messages: 30, valueBytes: 16, chunk: 10 });
let topic: string;

beforeAll(async () => {
  topic = await createTopic(brokers, { partitions: 3 });
});

describe('bench contenders write at acks=all', () => {
  it('@platformatic/kafka sends every call with acks=all', async () => {
    const sends = tracingChannel<unknown, { options: { acks?: number } }>('plt:kafka:producer:sends');
    const acks: Array<number | undefined> = [];
    const onStart = (context: { options: { acks?: number } }) => acks.push(context.options.acks);
    const noop = () => undefined;
    const handlers = { start: onStart, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
    const contender = await platformaticContender({ brokers, topic, calls, chunk: 10 });
    sends.subscribe(handlers);
    try {
      await contender.round(() => undefined);
    } finally {
      sends.unsubscribe(handlers);
      await contender.close();
    }
    expect(acks).toEqual(calls.map(() => ProduceAcks.ALL));
  });
});
