/**
 * Runs `task` on each item, at most `limit` at a time, and resolves when all have settled. Tasks
 * report their own outcome (they should not throw): the S3 reads and writes of a batch use it so
 * one slow object does not serialise the rest, and a full batch does not open 10,000 sockets.
 */
export async function concurrently<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
