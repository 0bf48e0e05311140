/**
 * Child process of end-to-end.ts: one contender (the Writer or the SQS handler), a warm-up round
 * and `rounds` timed rounds of the throughput workload; prints {"roundsMs", "cpuMicrosPerMessage"}.
 */

import { Writer } from '../../lib/index.ts';
import { clearContainerWarmWriter } from '../../lib/lambda/container.ts';
import { benchSqsHandler, invokeSqs, sqsRecords } from '../lambda-paths.ts';
import { throughputWorkload } from '../workload.ts';

const [brokerList, topic, contender, messagesArg, roundsArg, valueBytesArg, chunkArg] = process.argv.slice(2);
if (!brokerList || !topic || !contender) throw new Error('usage: rounds-child <brokers> <topic> writer|sqs');
const brokers = brokerList.split(',');
const messages = Number(messagesArg ?? 50_000);
const rounds = Number(roundsArg ?? 5);
const valueBytes = Number(valueBytesArg ?? 256);
const chunk = Number(chunkArg ?? 1000);

let round: () => Promise<void>;
let close: () => Promise<void>;
if (contender === 'writer') {
  const { calls } = throughputWorkload({ messages, valueBytes, chunk });
  const writer = new Writer({ brokers, topic, batchSize: chunk });
  await writer.connect();
  round = async () => {
    for (const call of calls) await writer.writeMessages(call);
  };
  close = () => writer.close();
} else {
  const handler = benchSqsHandler(brokers, topic);
  const events = Array.from({ length: Math.ceil(messages / chunk) }, (_, i) => ({
    Records: sqsRecords(Math.min(chunk, messages - i * chunk), valueBytes, i * chunk),
  }));
  round = async () => {
    for (const event of events) await invokeSqs(handler, event);
  };
  close = clearContainerWarmWriter;
}

await round();
const roundsMs: number[] = [];
const cpu = process.cpuUsage();
for (let r = 0; r < rounds; r++) {
  const start = performance.now();
  await round();
  roundsMs.push(performance.now() - start);
}
const used = process.cpuUsage(cpu);
await close();
console.log(
  JSON.stringify({ roundsMs, cpuMicrosPerMessage: (used.user + used.system) / (rounds * messages) }),
);
