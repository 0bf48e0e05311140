import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fetchSecretString, SecretCache } from '../../lib/auth/secrets.ts';
import { readKafkaConfig } from '../../lib/config/kafka-config.ts';
import { createObservability, writerLoggerFrom } from '../../lib/lambda/observability.ts';
import { createSqsHandler } from '../../lib/lambda/sqs/handler.ts';
import { WarmWriter } from '../../lib/lambda/warm-writer.ts';
import { useDedicatedCluster } from '../support/dedicated-cluster.ts';
import { useMoto } from '../support/moto.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/sqs-events.ts';
import { countRecords, createTopic } from '../support/topics.ts';

// A broker of this file's own (its SCRAM password is changed here) that closes idle connections
// after 2 s, so a warm container has to log in again after the rotation, as real ones do.
const cluster = useDedicatedCluster({
  name: 'rotation',
  nodeCount: 1,
  basePort: 24092,
  overrides: { 'connections.max.idle.ms': 2000 },
});
const moto = useMoto();

describe('SCRAM credentials from Secrets Manager', () => {
  let output = '';
  beforeEach(() => {
    output = '';
    const capture = (chunk: unknown) => {
      output += String(chunk);
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('picks up a rotated password: one failed login, one refetch, then success; secrets never logged', async () => {
    const kafka = cluster();
    moto();
    const { username, password: oldPassword } = kafka.users.scram;
    const newPassword = 'rotated-Secret-42';
    const secrets = new SecretsManagerClient({});
    const { ARN } = await secrets.send(
      new CreateSecretCommand({
        Name: `kafka-${Date.now()}`,
        SecretString: JSON.stringify({ username, password: oldPassword }),
      }),
    );
    const topic = await createTopic(kafka.brokers, { replicationFactor: 1 });
    const env = {
      KAFKA_BROKERS: kafka.saslSslBrokers.join(','),
      KAFKA_TOPIC: topic,
      KAFKA_AUTH: 'scram-sha-512',
      KAFKA_SECRET_ARN: ARN as string,
      KAFKA_TLS_CA_FILE: kafka.tls.caPemPath,
    };
    let fetches = 0;
    const cache = new SecretCache(async (id) => {
      fetches++;
      return fetchSecretString(id);
    });
    const observability = createObservability('rotation-test');
    const warmWriter = new WarmWriter({
      config: readKafkaConfig(env).config,
      secrets: cache,
      logger: writerLoggerFrom(observability.logger),
    });
    const handler = createSqsHandler({ env, warmWriter, observability });

    const before = await handler(sqsEvent([sqsRecord('before rotation')]), lambdaContext() as never);
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: ARN,
        SecretString: JSON.stringify({ username, password: newPassword }),
      }),
    );
    await kafka.setScramPassword(username, newPassword);
    await sleep(4500); // the broker reaps the idle connection; the next write must log in again
    const after = await handler(sqsEvent([sqsRecord('after rotation')]), lambdaContext() as never);
    await warmWriter.close();
    await kafka.setScramPassword(username, oldPassword);
    vi.restoreAllMocks();

    expect(before.batchItemFailures).toEqual([]);
    expect(after.batchItemFailures).toEqual([]);
    expect(fetches).toBe(2);
    expect(warmWriter.writersCreated).toBe(2);
    expect(await countRecords(kafka.brokers, topic)).toBe(2);
    expect(output).toMatch(/authentication failed; fetching the secret again/);
    expect(output).toMatch(/SASL SCRAM SHA512 authentication failed/); // the failure itself was logged
    expect(output).not.toContain(oldPassword);
    expect(output).not.toContain(newPassword);
  });
});
