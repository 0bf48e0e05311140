import { SchemaRegistryError } from '../value-serializer.ts';

/**
 * A container-wide cache of promises (middy's and kafkajs' pattern): concurrent callers asking for
 * one key share one load, a resolved entry serves every later call without I/O, and a failed load
 * is evicted so the next caller tries again.
 */
export class PromiseCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  /** The entry for `key`, loading it with `load` when there is none. */
  get(key: string, load: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = load();
      this.entries.set(key, entry);
      const loading = entry;
      loading.catch(() => {
        if (this.entries.get(key) === loading) this.entries.delete(key);
      });
    }
    return entry;
  }

  /** How many entries are loaded or loading. */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets everything (tests, or a caller that wants fresh schemas). */
  clear(): void {
    this.entries.clear();
  }
}

/**
 * Waits for a shared `promise` until `signal` ends this caller's wait. The load itself goes on
 * (other callers may be waiting for it, and a success fills the cache for the next invocation);
 * only this caller gives up, with a SchemaRegistryError: nothing of its message reached Kafka.
 */
export function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  const ended = () =>
    new SchemaRegistryError(`gave up waiting for ${what}: ${describeReason(signal.reason)}`, {
      cause: signal.reason,
    });
  if (signal.aborted) return Promise.reject(ended());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(ended());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message || reason.name;
  return reason === undefined ? 'the signal was aborted' : String(reason);
}
