import type { WarmWriter } from './warm-writer.ts';

const registered = new Set<WarmWriter>();

/**
 * Closes the container's Writers when Lambda shuts the execution environment down (SIGTERM is
 * sent when the function has extensions), so buffered messages are flushed and connections end
 * cleanly. Registered once per Writer.
 */
export function closeOnSigterm(warmWriter: WarmWriter): void {
  if (registered.has(warmWriter)) return;
  registered.add(warmWriter);
  if (registered.size === 1) {
    process.once('SIGTERM', () => {
      void Promise.allSettled([...registered].map((w) => w.close(400))).then(() => process.exit(0));
    });
  }
}
