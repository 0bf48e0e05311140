import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { createWebhookHandler } from '../../lib/lambda/webhook/handler.ts';
import { LARGE_MESSAGE_HEADERS } from '../../lib/mapping/claim-check.ts';
import { awsEnvFor } from '../../scripts/moto/server.ts';
import { consumeWithKcat } from '../support/kcat.ts';
import { useMoto } from '../support/moto.ts';
import { type BakdataS3, buildBakdataReader, readWithBakdata } from '../support/peers/bakdata-reader.ts';
import { createTopic } from '../support/topics.ts';
import { apiEvent, lambdaContext, quietObservability } from '../unit/webhook/support.ts';

// The records the bridge writes, read back by bakdata's own LargeMessageDeserializer (Java, the
// version pinned in test/peers/bakdata/pom.xml): the format check that does not rest on our
// reading of bakdata's source (test/support/bakdata-large-message.ts does that part).
const brokers = inject('kafkaBrokers');
const moto = useMoto();
const BUCKET = 'claim-checks-bakdata';
let s3: S3Client;
let bakdataS3: BakdataS3;
beforeAll(async () => {
  s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const env = awsEnvFor(moto().endpoint);
  bakdataS3 = {
    endpoint: moto().endpoint,
    region: env.AWS_REGION as string,
    accessKeyId: env.AWS_ACCESS_KEY_ID as string,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY as string,
  };
  // The first run resolves bakdata's jars with mvn; a failure here fails every test below.
  await buildBakdataReader();
}, 600_000);

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A webhook function with the claim check on, writing to `topic`. */
function webhookOn(topic: string) {
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC: topic,
    KAFKA_CLAIM_CHECK_BUCKET: BUCKET,
    KAFKA_CLAIM_CHECK_PREFIX: 'bridge/',
    WEBHOOK_TOPICS: topic,
    WEBHOOK_KEY: 'none',
  };
  const warmWriter = new WarmWriter({ config: readKafkaConfig(env).config });
  return {
    handle: createWebhookHandler({ env, warmWriter, observability: quietObservability() }),
    warmWriter,
  };
}

/** Posts each body as application/octet-stream; every one must be acknowledged. */
async function post(topic: string, bodies: readonly Buffer[]): Promise<void> {
  const { handle, warmWriter } = webhookOn(topic);
  try {
    for (const body of bodies) {
      const result = await handle(
        apiEvent({ topic, body, base64: true, headers: { 'content-type': 'application/octet-stream' } }),
        lambdaContext(),
      );
      expect(result.statusCode, result.body).toBe(200);
    }
  } finally {
    await warmWriter.close();
  }
}

describe("bakdata's LargeMessageDeserializer reads the bridge's claim-check records", () => {
  it('decodes an offloaded 3 MB value and an inline value to the bytes that were posted', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const big = randomBytes(3 * 1024 * 1024);
    const small = Buffer.from('{"order":"o-1"}');

    await post(topic, [big, small]);

    // Both paths are taken: the first record is a reference, the second the bytes themselves.
    const written = await consumeWithKcat(brokers, topic, { count: 2 });
    expect(written.map((r) => r.headers[LARGE_MESSAGE_HEADERS.value])).toEqual([Buffer.of(1), Buffer.of(0)]);
    expect(written[0]?.value?.toString('utf8')).toMatch(/^s3:\/\//);

    expect(await readWithBakdata(brokers, topic, 2, bakdataS3)).toEqual([
      { partition: 0, offset: 0, length: big.length, sha256: sha256(big) },
      { partition: 0, offset: 1, length: small.length, sha256: sha256(small) },
    ]);
  });

  it('fails to decode a reference whose object is gone: the reader really fetches from S3', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    const big = randomBytes(1_500_000);
    await post(topic, [big]);
    const [record] = await consumeWithKcat(brokers, topic, { count: 1 });
    const uri = new URL(record?.value?.toString('utf8') ?? '');
    await s3.send(new DeleteObjectCommand({ Bucket: uri.host, Key: uri.pathname.slice(1) }));

    await expect(readWithBakdata(brokers, topic, 1, bakdataS3)).rejects.toThrow(/NoSuchKey|does not exist/);
  });

  it('misreads a record without the header, which is why inline values carry it as 0', async () => {
    const topic = await createTopic(brokers, { partitions: 1 });
    // The bridge without a claim-check bucket: the raw bytes, no header.
    const warmWriter = new WarmWriter({
      config: readKafkaConfig({ KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic }).config,
    });
    try {
      await (await warmWriter.acquire()).writeMessages([{ topic, value: '{"order":"o-1"}' }]);
    } finally {
      await warmWriter.close();
    }

    // bakdata falls back to its byte-flag protocol: "{" is neither flag byte.
    await expect(readWithBakdata(brokers, topic, 1, bakdataS3)).rejects.toThrow(/backed or non-backed/);
  });
});
