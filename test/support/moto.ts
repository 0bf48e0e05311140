import { afterAll, beforeAll, vi } from 'vitest';
import { awsEnvFor, LocalMoto } from '../../scripts/moto/server.ts';

export interface UseMotoOptions {
  /** Default: `TEST_MOTO_PORT`, else 5123 moved by as much as `TEST_KAFKA_BASE_PORT` moves Kafka. */
  port?: number;
  /**
   * Point SDK clients created without options at this moto (AWS_ENDPOINT_URL, region, fake
   * credentials) for the file's duration; default true.
   */
  stubEnv?: boolean;
}

/**
 * The port a test file's moto uses. Follows TEST_KAFKA_BASE_PORT so that a second test run on the
 * same machine, which moves its Kafka, moves its moto too.
 */
export function testMotoPort(): number {
  if (process.env.TEST_MOTO_PORT) return Number(process.env.TEST_MOTO_PORT);
  const kafkaBase = Number(process.env.TEST_KAFKA_BASE_PORT ?? 9092);
  return 5123 + (kafkaBase - 9092);
}

/**
 * Starts a moto server of the test file's own before its tests and stops it after them.
 * Returns a getter, valid in tests; `reset()` on it clears state between tests when needed.
 */
export function useMoto(options: UseMotoOptions = {}): () => LocalMoto {
  let moto: LocalMoto | undefined;
  beforeAll(async () => {
    moto = await LocalMoto.start({ port: options.port ?? testMotoPort() });
    if (options.stubEnv ?? true) {
      for (const [name, value] of Object.entries(awsEnvFor(moto.endpoint))) vi.stubEnv(name, value);
    }
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await moto?.stop();
  });
  return () => {
    if (!moto) throw new Error('moto did not start');
    return moto;
  };
}
