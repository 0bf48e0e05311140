import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { LocalMoto, MOTO_ACCOUNT_ID } from '../../scripts/moto/server.ts';
import { testMotoPort, useMoto } from '../support/moto.ts';

// Clients are built with no options: useMoto() sets AWS_ENDPOINT_URL, the region and fake
// credentials, exactly how the deployed functions get their configuration.
describe('moto server with the real AWS SDK v3 clients', () => {
  const moto = useMoto();

  it('puts the fake local credentials and endpoint into the environment', () => {
    expect(process.env.AWS_ENDPOINT_URL).toBe(moto().endpoint);
    expect(process.env.AWS_REGION).toBe('us-east-1');
    expect(process.env.AWS_ACCESS_KEY_ID).toBe('test');
  });

  it('Secrets Manager: creates, reads and rotates a SCRAM secret', async () => {
    const client = new SecretsManagerClient({});
    const created = await client.send(
      new CreateSecretCommand({
        Name: 'AmazonMSK_bridge',
        SecretString: JSON.stringify({ username: 'bridge', password: 'bridge-secret' }),
      }),
    );
    expect(created.ARN).toMatch(
      new RegExp(`^arn:aws:secretsmanager:us-east-1:${MOTO_ACCOUNT_ID}:secret:AmazonMSK_bridge-`),
    );

    const first = await client.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    expect(JSON.parse(first.SecretString ?? '')).toEqual({ username: 'bridge', password: 'bridge-secret' });
    expect(first.VersionStages).toContain('AWSCURRENT');

    // A rotation writes a new AWSCURRENT version; readers by ARN or by name see it.
    await client.send(
      new PutSecretValueCommand({
        SecretId: 'AmazonMSK_bridge',
        SecretString: JSON.stringify({ username: 'bridge', password: 'rotated' }),
      }),
    );
    const second = await client.send(new GetSecretValueCommand({ SecretId: 'AmazonMSK_bridge' }));
    expect(JSON.parse(second.SecretString ?? '').password).toBe('rotated');
    expect(second.VersionId).not.toBe(first.VersionId);
  });

  it('SQS: creates a queue whose redrive policy names a dead-letter queue', async () => {
    const sqs = new SQSClient({});
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'bridge-dlq' }));
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    expect(dlqArn).toBe(`arn:aws:sqs:us-east-1:${MOTO_ACCOUNT_ID}:bridge-dlq`);

    const source = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'bridge-source',
        Attributes: {
          VisibilityTimeout: '30',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
        },
      }),
    );
    const attributes = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: source.QueueUrl, AttributeNames: ['All'] }))
    ).Attributes;
    expect(attributes?.VisibilityTimeout).toBe('30');
    expect(JSON.parse(attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: 5,
    });

    await sqs.send(
      new SendMessageCommand({
        QueueUrl: source.QueueUrl,
        MessageBody: 'hello',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' } },
      }),
    );
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: source.QueueUrl,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        WaitTimeSeconds: 1,
      }),
    );
    expect(received.Messages).toHaveLength(1);
    expect(received.Messages?.[0]?.Body).toBe('hello');
    expect(received.Messages?.[0]?.MessageAttributes?.kind?.StringValue).toBe('greeting');
    expect(received.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
  });

  it("SQS: runs with scripts/moto/moto_server.py's cheap clock; in-flight and delayed messages still count, and come back, on time", async () => {
    // The notice the launcher prints once it has patched moto's SQS (see that file for why).
    expect(readFileSync(moto().logPath, 'utf8')).toContain(
      'moto_server.py: SQS reads the clock with time.time() and MessageRetentionPeriod off the queue',
    );
    const sqs = new SQSClient({});
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bridge-clock' }));
    const counts = async () => {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      return [
        Attributes.ApproximateNumberOfMessages,
        Attributes.ApproximateNumberOfMessagesNotVisible,
        Attributes.ApproximateNumberOfMessagesDelayed,
      ];
    };
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'now' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 1 }));
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 1, WaitTimeSeconds: 0 }),
    );
    expect(received.Messages?.map((m) => m.Body)).toEqual(['now']);
    // Visible, in flight (received, not deleted), delayed.
    expect(await counts()).toEqual(['0', '1', '1']);

    await sleep(1_500);
    // The visibility timeout and the delay have run out on the patched clock: both are receivable.
    expect(await counts()).toEqual(['2', '0', '0']);
    const again = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(again.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount]).sort()).toEqual([
      ['later', '1'],
      ['now', '2'],
    ]);
  });

  it('S3: puts and gets an object in a path-style bucket', async () => {
    const s3 = new S3Client({});
    await s3.send(new CreateBucketCommand({ Bucket: 'bridge-batches' }));
    const body = '{"value":"one"}\n{"value":"two"}\n';
    await s3.send(
      new PutObjectCommand({
        Bucket: 'bridge-batches',
        Key: 'in/2026/batch-1.ndjson',
        Body: body,
        ContentType: 'application/x-ndjson',
      }),
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: 'bridge-batches', Key: 'in/2026/batch-1.ndjson' }),
    );
    expect(await got.Body?.transformToString()).toBe(body);
    expect(got.ContentType).toBe('application/x-ndjson');
  });

  it('reset() forgets every resource', async () => {
    await moto().reset();
    const client = new SecretsManagerClient({});
    await expect(
      client.send(new GetSecretValueCommand({ SecretId: 'AmazonMSK_bridge' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('refuses to start a second server on a port that is in use', async () => {
    await expect(LocalMoto.start({ port: testMotoPort() })).rejects.toThrow(
      /moto .* live process|already in use/,
    );
    // The refused start must not have touched the running server.
    await expect(fetch(`${moto().endpoint}/moto-api/`).then((r) => r.status)).resolves.toBe(200);
  });
});
