// Prometheus text exposition format 0.0.4, written by hand: a family is its # HELP and
// # TYPE lines followed by all of its samples, label values escaped (\\, \", \n), histograms
// as cumulative _bucket{le} lines ending in +Inf, then _sum and _count. Pure: no I/O.

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Record<string, string>;

/** A label value as the text format wants it inside double quotes. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** HELP text escapes only backslash and newline. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

export function formatLabels(labels: Labels): string {
  const parts: string[] = [];
  for (const name in labels) parts.push(`${name}="${escapeLabelValue(labels[name]!)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** A sample value: integers as written, +Inf/-Inf/NaN in the format's spelling. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** Collects lines in chunks, so a family of 60,000 samples is not one string rebuilt per line. */
export class ExpositionWriter {
  private lines: string[] = [];
  readonly chunks: string[] = [];

  family(name: string, type: "counter" | "gauge" | "histogram", help: string): this {
    this.push(`# HELP ${name} ${escapeHelp(help)}`);
    this.push(`# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, labels: Labels, value: number): this {
    this.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
    return this;
  }

  /** One labelled histogram: `cumulativeCounts[i]` = observations ≤ bounds[i] (bounds ascending), `count` = all of them. */
  histogram(name: string, labels: Labels, bounds: readonly number[], cumulativeCounts: readonly number[], sum: number, count: number): this {
    const prefix = formatLabels(labels);
    const inner = prefix ? `${prefix.slice(1, -1)},` : "";
    for (let i = 0; i < bounds.length; i++) this.push(`${name}_bucket{${inner}le="${formatValue(bounds[i]!)}"} ${cumulativeCounts[i]}`);
    this.push(`${name}_bucket{${inner}le="+Inf"} ${count}`);
    this.push(`${name}_sum${prefix} ${formatValue(sum)}`);
    this.push(`${name}_count${prefix} ${count}`);
    return this;
  }

  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length >= 4096) this.flush();
  }

  private flush(): void {
    if (this.lines.length === 0) return;
    this.chunks.push(this.lines.join("\n") + "\n");
    this.lines = [];
  }

  /** The finished body, as chunks to stream. */
  finish(): string[] {
    this.flush();
    return this.chunks;
  }
}
