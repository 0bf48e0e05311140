import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { countRecords, createTopic } from '../support/topics.ts';

const brokers = inject('kafkaBrokers');
const container = fileURLToPath(new URL('../fixtures/lambda/sigterm-container.ts', import.meta.url));

describe('Lambda shutdown', () => {
  it('closes the warm Writer on SIGTERM and lets the process exit cleanly', async () => {
    const topic = await createTopic(brokers);
    const child = spawn(process.execPath, ['--import', 'tsx', container], {
      env: { ...process.env, KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });

    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    expect(output).toContain('written');
    expect(output).toContain('writer closed');
    expect(exitCode).toBe(0);
    expect(await countRecords(brokers, topic)).toBe(1);
  }, 30_000);
});
