import type { InitProducerIdHook, ProduceHook, RequestHook, RequestLogEntry } from './types.ts';

/**
 * The hooks a test has installed and what the cluster counts for them. One hook per kind:
 * installing another replaces it. Shared by every node.
 */
export class Scripting {
  produceHook: ProduceHook | undefined;
  initProducerIdHook: InitProducerIdHook | undefined;
  requestHook: RequestHook | undefined;
  readonly requestLog: RequestLogEntry[] = [];
  private readonly produceAttempts = new Map<string, number>();
  private initProducerIdAttempts = 0;

  /** Counts one more sighting of a batch; returns its attempt number (1 the first time). */
  countProduceAttempt(batchKey: string): number {
    const attempt = (this.produceAttempts.get(batchKey) ?? 0) + 1;
    this.produceAttempts.set(batchKey, attempt);
    return attempt;
  }

  countInitProducerIdAttempt(): number {
    this.initProducerIdAttempts += 1;
    return this.initProducerIdAttempts;
  }

  /** Removes every hook and forgets the counts (the log of requests too). */
  clear(): void {
    this.produceHook = undefined;
    this.initProducerIdHook = undefined;
    this.requestHook = undefined;
    this.requestLog.length = 0;
    this.produceAttempts.clear();
    this.initProducerIdAttempts = 0;
  }
}

/** Waits for a hold to settle; a rejected hold (a test aborting it) releases it too. */
export async function released(hold: Promise<unknown>): Promise<void> {
  await hold.then(
    () => undefined,
    () => undefined,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
