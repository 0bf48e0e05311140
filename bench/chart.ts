/**
 * A horizontal bar chart as a standalone SVG string: no chart library, no external service, so the
 * file renders on GitHub and in any browser as committed.
 */

/** One bar. */
export interface Bar {
  label: string;
  value: number;
  /** Text after the bar, e.g. "1.00x". */
  annotation?: string;
  color?: string;
}

/** What to draw. */
export interface BarChartOptions {
  title: string;
  subtitle?: string;
  /** Axis caption, e.g. "messages / s". */
  unit: string;
  bars: readonly Bar[];
  /** Draws a dashed line at this value (a goal or the baseline). */
  marker?: { value: number; label: string };
  /** Log scale for values spanning orders of magnitude (latencies). */
  log?: boolean;
}

/** Colors by contender kind, shared by every chart so a kind looks the same everywhere. */
export const KIND_COLORS = {
  baseline: '#6b7280',
  writer: '#2563eb',
  lambda: '#7c3aed',
  peer: '#f59e0b',
  bad: '#dc2626',
} as const;

const LABEL_WIDTH = 400;
const PLOT_WIDTH = 420;
const RIGHT = 150;
const BAR = 22;
const GAP = 8;

/** Renders the chart. */
export function barChart(options: BarChartOptions): string {
  const { bars } = options;
  const max = Math.max(...bars.map((b) => b.value), options.marker?.value ?? 0) * 1.05;
  const min = options.log ? Math.min(...bars.map((b) => b.value).filter((v) => v > 0)) / 2 : 0;
  const x = (v: number): number => {
    if (!options.log) return LABEL_WIDTH + (v / max) * PLOT_WIDTH;
    const span = Math.log10(max) - Math.log10(min);
    return LABEL_WIDTH + ((Math.log10(Math.max(v, min)) - Math.log10(min)) / span) * PLOT_WIDTH;
  };
  // Room for the marker's label under the subtitle.
  const top = options.marker ? 78 : 64;
  const height = top + bars.length * (BAR + GAP) + 48;
  const width = LABEL_WIDTH + PLOT_WIDTH + RIGHT;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${xml(options.title)}</text>`,
  ];
  if (options.subtitle) parts.push(`<text x="12" y="42" fill="#4b5563">${xml(options.subtitle)}</text>`);
  bars.forEach((bar, i) => {
    const y = top + i * (BAR + GAP);
    const end = x(bar.value);
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + BAR / 2 + 4}" text-anchor="end">${xml(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${Math.max(1, end - LABEL_WIDTH).toFixed(1)}" height="${BAR}" fill="${bar.color ?? KIND_COLORS.writer}"/>`,
      `<text x="${(end + 6).toFixed(1)}" y="${y + BAR / 2 + 4}">${xml(bar.annotation ?? format(bar.value))}</text>`,
    );
  });
  const axisY = top + bars.length * (BAR + GAP) + 4;
  parts.push(
    `<line x1="${LABEL_WIDTH}" y1="${top - 6}" x2="${LABEL_WIDTH}" y2="${axisY}" stroke="#111827"/>`,
    `<text x="${LABEL_WIDTH + PLOT_WIDTH / 2}" y="${axisY + 22}" text-anchor="middle" fill="#4b5563">${xml(options.unit)}${options.log ? ' (log scale)' : ''}</text>`,
  );
  if (options.marker) {
    const mx = x(options.marker.value).toFixed(1);
    parts.push(
      `<line x1="${mx}" y1="${top - 10}" x2="${mx}" y2="${axisY}" stroke="#111827" stroke-dasharray="4 3"/>`,
      `<text x="${mx}" y="${top - 14}" text-anchor="middle" fill="#111827">${xml(options.marker.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function format(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 100) / 100);
}

function xml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
