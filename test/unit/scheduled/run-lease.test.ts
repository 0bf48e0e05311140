import { describe, expect, it } from 'vitest';
import { LEASE_CLOCK_SKEW_MS, parseLease, RunLease } from '../../../lib/lambda/scheduled/run-lease.ts';
import { MemoryS3 } from './memory-s3.ts';

const KEY = 'in.kafka-bridge-lease';
const T0 = Date.parse('2026-11-24T10:00:00Z');

function leaseOn(s3: MemoryS3, clock: { now: number }) {
  return new RunLease({ s3, bucket: s3.bucket, key: KEY, now: () => clock.now });
}

describe('RunLease', () => {
  it('creates the lease only if there is none (If-None-Match: *)', async () => {
    const s3 = new MemoryS3();
    const clock = { now: T0 };
    const [a, b] = [leaseOn(s3, clock), leaseOn(s3, clock)];

    const results = await Promise.all([a.acquire(T0 + 60_000), b.acquire(T0 + 60_000)]);

    expect(results.filter((r) => r === true)).toHaveLength(1);
    expect([a.isHeld, b.isHeld].sort()).toEqual([false, true]);
  });

  it('refuses a held lease, naming its holder and expiry', async () => {
    const s3 = new MemoryS3();
    const clock = { now: T0 };
    await leaseOn(s3, clock).acquire(T0 + 60_000);

    const refusal = await leaseOn(s3, clock).acquire(T0 + 120_000);

    expect(refusal).toEqual({ holder: expect.any(String), expiresAt: '2026-11-24T10:01:00.000Z' });
  });

  it('is free again once released, and a release never undoes a later holder', async () => {
    const s3 = new MemoryS3();
    const clock = { now: T0 };
    const first = leaseOn(s3, clock);
    await first.acquire(T0 + 60_000);
    expect(await first.release()).toBe(true);
    expect(parseLease(s3.objects.get(KEY)?.body ?? Buffer.alloc(0))).toMatchObject({ released: true });

    const second = leaseOn(s3, clock);
    expect(await second.acquire(T0 + 60_000)).toBe(true);
    // A stale holder (expired, taken over) cannot give back a lease that is no longer its own.
    clock.now = T0 + 60_000 + LEASE_CLOCK_SKEW_MS;
    const third = leaseOn(s3, clock);
    expect(await third.acquire(clock.now + 60_000)).toBe(true);
    expect(await second.release()).toBe(false);
    expect(await leaseOn(s3, clock).acquire(clock.now + 60_000)).not.toBe(true);
  });

  it('takes over with If-Match only the version it read: of two late runs, one wins', async () => {
    const s3 = new MemoryS3();
    const clock = { now: T0 };
    await leaseOn(s3, clock).acquire(T0 + 1000);
    clock.now = T0 + 1000 + LEASE_CLOCK_SKEW_MS;
    const [a, b] = [leaseOn(s3, clock), leaseOn(s3, clock)];

    const results = await Promise.all([a.acquire(clock.now + 1000), b.acquire(clock.now + 1000)]);

    expect(results.filter((r) => r === true)).toHaveLength(1);
  });

  it('takes over an object that is not a lease (written by hand)', async () => {
    const s3 = new MemoryS3();
    s3.put(KEY, 'locked by ops');
    expect(await leaseOn(s3, { now: T0 }).acquire(T0 + 1000)).toBe(true);
  });
});
