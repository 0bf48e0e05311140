import { describe, expect, it } from 'vitest';
import { backoffMs, sleep } from '../../../lib/writer/backoff.ts';

describe('backoffMs', () => {
  it.each([
    [1, 100],
    [2, 400],
    [3, 900],
    [4, 1000],
    [10, 1000],
  ])('retry %i waits attempt² × min capped at max (%i ms without jitter)', (attempt, expected) => {
    expect(backoffMs(attempt, 100, 1000, () => 0.5)).toBe(expected);
  });

  it('jitters within ±20 % and never past the cap', () => {
    expect(backoffMs(2, 100, 1000, () => 0)).toBe(320);
    expect(backoffMs(2, 100, 1000, () => 1)).toBe(480);
    expect(backoffMs(5, 100, 1000, () => 1)).toBe(1000);
  });
});

describe('sleep', () => {
  it('rejects with the signal reason when aborted', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
