/**
 * Child process of the proposed-encoder contenders (proposed.ts, end-to-end.ts): the Writer or
 * the SQS handler, serving rounds of the throughput workload over the remote-contender protocol
 * (`ready`; one JSON line per `round` line; exit when stdin ends).
 */
import { createInterface } from 'node:readline';
import { Writer } from '../../lib/index.ts';
import { clearContainerWarmWriter } from '../../lib/lambda/container.ts';
import { benchSqsHandler, invokeSqs, sqsRecords } from '../lambda-paths.ts';
import { throughputWorkload } from '../workload.ts';

const [brokerList, topic, contender, messagesArg, valueBytesArg, chunkArg] = process.argv.slice(2);
if (!brokerList || !topic || !contender) {
  throw new Error('usage: rounds-child <brokers> <topic> writer|sqs [messages] [valueBytes] [chunk]');
}
const brokers = brokerList.split(',');
const messages = Number(messagesArg ?? 50_000);
const valueBytes = Number(valueBytesArg ?? 256);
const chunk = Number(chunkArg ?? 1000);

let call: Array<() => Promise<unknown>>;
let close: () => Promise<void>;
if (contender === 'writer') {
  const { calls } = throughputWorkload({ messages, valueBytes, chunk });
  const writer = new Writer({ brokers, topic, batchSize: chunk });
  await writer.connect();
  call = calls.map((messages) => () => writer.writeMessages(messages));
  close = () => writer.close();
} else {
  const handler = benchSqsHandler(brokers, topic);
  call = Array.from({ length: Math.ceil(messages / chunk) }, (_, i) => {
    const event = { Records: sqsRecords(Math.min(chunk, messages - i * chunk), valueBytes, i * chunk) };
    return () => invokeSqs(handler, event);
  });
  close = clearContainerWarmWriter;
}

process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'round') throw new Error(`unknown command "${line}"`);
  const callMs: number[] = [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const send of call) {
    const callStart = performance.now();
    await send();
    callMs.push(performance.now() - callStart);
  }
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const cpuMicrosPerMessage = (used.user + used.system) / messages;
  process.stdout.write(`${JSON.stringify({ ms, callMs, cpuMicrosPerMessage })}\n`);
}
await close();
