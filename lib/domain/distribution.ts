// How a set of durations is spread: equal-width bins for a histogram and nearest-rank
// percentiles (the reload page's time-to-ack). Pure.

export interface HistogramBin {
  fromMs: number;
  toMs: number;
  count: number;
}

/** Equal-width bins over [0, max] with a width rounded to 1/2/5 × 10^n ms, so axis labels read cleanly. */
export function histogram(valuesMs: number[], targetBins = 20): HistogramBin[] {
  if (valuesMs.length === 0) return [];
  const max = Math.max(...valuesMs);
  const width = niceWidth(Math.max(1, max) / Math.max(1, targetBins));
  const count = Math.max(1, Math.floor(max / width) + 1);
  const bins = Array.from({ length: count }, (_, i) => ({ fromMs: i * width, toMs: (i + 1) * width, count: 0 }));
  for (const v of valuesMs) bins[Math.min(count - 1, Math.max(0, Math.floor(v / width)))]!.count++;
  return bins;
}

function niceWidth(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) if (raw <= step * power) return step * power;
  return 10 * power;
}

/** The p-th percentile (0–100) by nearest rank; null for no values. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
