/**
 * Delay before retry number `attempt` (1 = first retry): kafka-go's quadratic backoff
 * (attempt² × min, capped at max) with ±20 % jitter, so many Lambda containers that failed
 * together do not retry in lockstep.
 */
export function backoffMs(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(maxMs, attempt * attempt * minMs);
  const jitter = 0.8 + 0.4 * random();
  return Math.min(maxMs, Math.round(base * jitter));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
