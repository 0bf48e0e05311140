/** Percentile of sorted-on-demand samples (nearest rank). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Median of samples. */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Milliseconds since `start` (from performance.now()). */
export function since(start: number): number {
  return performance.now() - start;
}

/** Formats a table of rows (objects with the same keys) for the terminal. */
export function table(rows: ReadonlyArray<Record<string, string | number>>): string {
  const first = rows[0];
  if (!first) return '';
  const headers = Object.keys(first);
  const cells = rows.map((row) => headers.map((h) => String(row[h])));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] as number)).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
