import { describe, expect, it } from 'vitest';
import { bridgeContext } from '../../cdk/context.ts';
import { buildBridge } from './support.ts';

const read = (context: Record<string, unknown>) => (key: string) => context[key];

describe('CDK context', () => {
  it('deploys MSK Serverless when no broker mode is given', () => {
    expect(bridgeContext(read({})).props.broker).toEqual({ mode: 'msk-serverless' });
  });

  it('names the stack KafkaLambdaBridge unless told otherwise', () => {
    expect(bridgeContext(read({})).stackName).toBe('KafkaLambdaBridge');
    expect(bridgeContext(read({ stackName: 'Bridge-Dev' })).stackName).toBe('Bridge-Dev');
  });

  it('reads an MSK provisioned cluster’s mechanisms as a list', () => {
    expect(
      bridgeContext(read({ brokerMode: 'msk-provisioned', mskAuth: 'scram,iam' })).props.broker,
    ).toMatchObject({
      mode: 'msk-provisioned',
      authentication: ['scram', 'iam'],
    });
  });

  it('asks for bootstrap servers in external mode', () => {
    expect(() => bridgeContext(read({ brokerMode: 'external' }))).toThrow(
      /brokerMode=external needs -c bootstrapServers/,
    );
  });

  it('names a key that belongs to another broker mode', () => {
    expect(() => bridgeContext(read({ bootstrapServers: 'a:9092' }))).toThrow(
      /bootstrapServers applies to brokerMode=external only \(this is msk-serverless\)/,
    );
  });

  it('asks for the whole external VPC description when part of it is given', () => {
    expect(() =>
      bridgeContext(
        read({ brokerMode: 'external', bootstrapServers: 'a:9092', vpcId: 'vpc-0123456789abcdef0' }),
      ),
    ).toThrow(/missing subnetIds, availabilityZones, brokerCidrs/);
  });

  it('reports every problem at once', () => {
    const error = (() => {
      try {
        bridgeContext(read({ brokerMode: 'kafka', sqsFifo: 'yes', webhookSignature: 'md5' }));
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    })();
    expect(error.message).toMatch(/^invalid CDK context \(3 problems\)/);
    expect(error.message).toContain('brokerMode must be one of msk-provisioned, msk-serverless, external');
    expect(error.message).toContain('sqsFifo must be true or false');
    expect(error.message).toContain('webhookSignature must be one of');
  });
});

describe('stack props checks', () => {
  it('refuses a signature scheme whose key the sender issues, without the key', () => {
    expect(() => buildBridge({ webhookSignature: 'github' })).toThrow(
      /webhookSignature github needs webhookSecretArn/,
    );
  });

  it('refuses SASL to an external cluster without a secret', () => {
    expect(() =>
      buildBridge({
        brokerMode: 'external',
        bootstrapServers: 'a.example.com:9096',
        kafkaAuth: 'scram-sha-512',
      }),
    ).toThrow(/auth scram-sha-512 needs secretArn/);
  });

  it('refuses SASL credentials over plaintext', () => {
    expect(() =>
      buildBridge({
        brokerMode: 'external',
        bootstrapServers: 'a.example.com:9092',
        secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf',
        kafkaTls: 'false',
      }),
    ).toThrow(/sends credentials; it needs tls/);
  });

  it('refuses an idempotent producer without acks=all, which the functions would refuse at cold start', () => {
    expect(() => buildBridge({ idempotent: 'true', acks: 'one' })).toThrow(
      /idempotent producer needs kafka.acks 'all'/,
    );
  });

  it('refuses an empty MSK mechanism list', () => {
    expect(() => buildBridge({ brokerMode: 'msk-provisioned', mskAuth: ',' })).toThrow(
      /authentication needs at least one of iam, scram/,
    );
  });
});
