import { describe, expect, inject, it } from 'vitest';
import { AuthenticationError, type SaslOptions, Writer } from '../../../lib/index.ts';
import { LOCAL_SASL_USERS } from '../../../scripts/kafka/config.ts';
import { consumeWithKcat } from '../../support/kcat.ts';
import { countRecords, createTopic } from '../../support/topics.ts';

const brokers = inject('kafkaBrokers');
const saslBrokers = inject('kafkaSaslSslBrokers');
const ca = inject('kafkaCaPem');
const { scram, plain } = LOCAL_SASL_USERS;

/** An unsecured JWT (alg none), which Kafka's default OAUTHBEARER validator accepts locally. */
function unsecuredJwt(subject: string): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none' })}.${encode({ sub: subject, iat: now, exp: now + 3600 })}.`;
}

describe('Writer over SASL_SSL', () => {
  it.each<[string, SaslOptions]>([
    ['SCRAM-SHA-512', { mechanism: 'scram-sha-512', ...scram }],
    ['SCRAM-SHA-256', { mechanism: 'scram-sha-256', ...scram }],
    ['PLAIN', { mechanism: 'plain', ...plain }],
    [
      'OAUTHBEARER',
      { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: unsecuredJwt('bridge') }) },
    ],
  ])('connects with %s over TLS (broker certificate verified) and writes', async (_name, sasl) => {
    const topic = await createTopic(brokers);
    const w = new Writer({ brokers: saslBrokers, topic, ssl: { ca: [ca] }, sasl });

    const written = await w.writeMessages([{ key: 'k', value: 'over TLS' }]);
    await w.close();

    expect(written[0]?.topic).toBe(topic);
    expect(await countRecords(brokers, topic)).toBe(1);
  });

  it('fails fast with AuthenticationError on a wrong password, without retrying', async () => {
    const topic = await createTopic(brokers);
    const w = new Writer({
      brokers: saslBrokers,
      topic,
      ssl: { ca: [ca] },
      sasl: { mechanism: 'scram-sha-512', username: scram.username, password: 'wrong-password' },
      maxAttempts: 10,
      writeBackoffMinMs: 1000,
    });

    const error = await w.writeMessages([{ value: 'never' }]).catch((e: unknown) => e);
    const stats = w.stats();
    await w.close();

    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/authentication failed/i);
    expect((error as Error).message).not.toContain('wrong-password');
    expect(stats.retries).toBe(0);
    expect(await countRecords(brokers, topic)).toBe(0);
  });

  it('refuses a broker whose certificate the client does not trust', async () => {
    const topic = await createTopic(brokers);
    const w = new Writer({
      brokers: saslBrokers,
      topic,
      ssl: true, // system CAs only: the local self-signed certificate is not among them
      sasl: { mechanism: 'scram-sha-512', ...scram },
      maxAttempts: 2,
      writeBackoffMinMs: 10,
    });

    const error = await w.writeMessages([{ value: 'never' }]).catch((e: unknown) => e);
    await w.close();

    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(/certificate/i);
  });

  it('connects to a self-signed broker when verification is explicitly off (local use only)', async () => {
    const topic = await createTopic(brokers);
    const w = new Writer({
      brokers: saslBrokers,
      topic,
      ssl: { rejectUnauthorized: false },
      sasl: { mechanism: 'scram-sha-512', ...scram },
    });

    await w.writeMessages([{ value: 'insecure but encrypted' }]);
    await w.close();

    expect(await countRecords(brokers, topic)).toBe(1);
  });

  it('writes a request of several MB over TLS, in slices, with a request written behind it intact', async () => {
    // Six partitions of ~0.9 MB batches: one Produce request of ~5.4 MB, which the TLS socket takes
    // in 256 KiB slices (lib/writer/sliced-writes.ts); the small write queued meanwhile must reach
    // the broker after it, not inside it, or the broker would fail both requests.
    const topic = await createTopic(brokers, { partitions: 6 });
    const w = new Writer({
      brokers: saslBrokers,
      topic,
      ssl: { ca: [ca] },
      sasl: { mechanism: 'scram-sha-512', ...scram },
      batchSize: 10_000,
      batchBytes: 900_000,
    });
    await w.writeMessages([{ value: 'connected first' }]);
    const large = Array.from({ length: 5_000 }, (_, i) => ({
      key: `k-${i}`,
      value: Buffer.alloc(1_000, i % 251),
      headers: { n: String(i) },
    }));

    const [written, behind] = await Promise.all([
      w.writeMessages(large),
      w.writeMessages([{ value: 'behind the large request', headers: { n: 'behind' } }]),
    ]);
    await w.close();

    expect(written).toHaveLength(large.length);
    expect(behind).toHaveLength(1);
    const consumed = await consumeWithKcat(brokers, topic, { count: large.length + 2 });
    const byHeader = new Map(consumed.map((r) => [r.headers.n?.toString(), r]));
    for (const [i, message] of large.entries()) {
      expect(byHeader.get(String(i))?.value?.equals(message.value), `value of message ${i}`).toBe(true);
    }
    expect(byHeader.get('behind')?.value?.toString()).toBe('behind the large request');
  });
});
