import type { Env } from './env-reader.ts';
import { EnvReader } from './env-reader.ts';

/** Where an SQS record's Kafka key comes from (`SQS_KEY`). */
export type SqsKeySource =
  /** MessageGroupId on FIFO queues, no key on standard queues (the default). */
  { from: 'default' } | { from: 'group' } | { from: 'attribute'; name: string } | { from: 'none' };

/** The SQS bridge's settings. */
export interface SqsConfig {
  topic: string;
  key: SqsKeySource;
  /** The body is an SNS notification: publish its Message (`SQS_UNWRAP_SNS`). */
  unwrapSns: boolean;
}

/** Reads `KAFKA_TOPIC`, `SQS_KEY` and `SQS_UNWRAP_SNS`, collecting every problem. */
export function readSqsConfig(env: Env): { config: SqsConfig; problems: string[] } {
  const r = new EnvReader(env);
  const topic = r.required('KAFKA_TOPIC', 'the topic SQS records are written to');
  const keyText = r.string('SQS_KEY');
  let key: SqsKeySource = { from: 'default' };
  if (keyText === 'group' || keyText === 'none') key = { from: keyText };
  else if (keyText?.startsWith('attribute:') && keyText.length > 'attribute:'.length) {
    key = { from: 'attribute', name: keyText.slice('attribute:'.length) };
  } else if (keyText !== undefined) {
    r.problem(`SQS_KEY must be group, none or attribute:<name>, got "${keyText}"`);
  }
  return { config: { topic, key, unwrapSns: r.boolean('SQS_UNWRAP_SNS', false) }, problems: r.problems };
}
