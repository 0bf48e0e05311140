import { afterAll, beforeAll } from 'vitest';
import { LocalApicurio } from '../../scripts/apicurio/server.ts';

export interface UseApicurioOptions {
  /** Default: `TEST_APICURIO_PORT`, else 5200 moved by as much as `TEST_KAFKA_BASE_PORT` moves Kafka. */
  port?: number;
}

/**
 * The port a test file's Apicurio uses (its management interface takes the next one). Follows
 * TEST_KAFKA_BASE_PORT like moto's, so a second test run on the machine moves it too.
 */
export function testApicurioPort(): number {
  if (process.env.TEST_APICURIO_PORT) return Number(process.env.TEST_APICURIO_PORT);
  const kafkaBase = Number(process.env.TEST_KAFKA_BASE_PORT ?? 9092);
  return 5200 + (kafkaBase - 9092);
}

/**
 * Starts an Apicurio Registry of the test file's own before its tests and stops it after them.
 * Returns a handle whose `registry()` is valid in tests, and `restart()` for tests that take the
 * registry down mid-run (`stop()`) and bring it back: the new one is empty (in-memory storage).
 */
export function useApicurio(options: UseApicurioOptions = {}): {
  registry: () => LocalApicurio;
  stop: () => Promise<void>;
  restart: () => Promise<LocalApicurio>;
} {
  const port = options.port ?? testApicurioPort();
  let registry: LocalApicurio | undefined;
  let stopped = false;
  beforeAll(async () => {
    registry = await LocalApicurio.start({ port });
  }, 180_000);
  afterAll(async () => {
    await registry?.stop();
  });
  return {
    registry: () => {
      if (!registry) throw new Error('Apicurio Registry did not start');
      if (stopped) throw new Error('Apicurio Registry was stopped by this test file; restart() it first');
      return registry;
    },
    stop: async () => {
      stopped = true;
      await registry?.stop();
    },
    restart: async () => {
      await registry?.stop();
      registry = await LocalApicurio.start({ port });
      stopped = false;
      return registry;
    },
  };
}
